package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.netty.HeaderTimeout;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;

/** The proxy's {@link HeaderTimeout}: on timeout, a denied audit record, then 408 and close. */
final class HeaderTimeouts {
    private HeaderTimeouts() {}

    /** @param host the tunnel's target host, or "" on the proxy's front connection */
    static HeaderTimeout create(ProxyContext px, String host) {
        return new HeaderTimeout(px.config.headerReadTimeout(), c -> timedOut(px, host, c));
    }

    private static void timedOut(ProxyContext px, String host, ChannelHandlerContext c) {
        String id = Ids.requestId();
        var problem = Problems.of(ErrorType.REQUEST_TIMEOUT,
                "the request headers were not received within " + px.config.headerReadTimeout().toSeconds() + " s");
        px.audit.completed(AuditEvents.denied(id, null, (InetSocketAddress) c.channel().remoteAddress(), null, host, 0,
                null, null, problem.status(), problem.type().slug()));
        c.channel().writeAndFlush(Problems.response(problem, id, false, c.alloc())).addListener(ChannelFutureListener.CLOSE);
    }
}
