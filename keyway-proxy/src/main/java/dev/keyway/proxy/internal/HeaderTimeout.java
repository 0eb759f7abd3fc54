package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Slowloris guard: once the first byte of a request arrives, its headers must be complete within
 * the configured time, else the client gets 408 {@code request-timeout} and the connection closes.
 * Sits before the HTTP codec (it sees raw bytes); the request handlers tell it when a head was
 * decoded ({@link #headReceived}) and when the next one may start ({@link #awaitNext}).
 */
final class HeaderTimeout extends ChannelInboundHandlerAdapter {
    private final ProxyContext px;
    private final String host;
    private boolean awaiting = true;
    private @Nullable ScheduledFuture<?> timer;

    HeaderTimeout(ProxyContext px, String host) {
        this.px = px;
        this.host = host;
    }

    /** Finds the guard on a pipeline, if any. */
    static @Nullable HeaderTimeout of(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(HeaderTimeout.class);
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (awaiting && timer == null && msg instanceof ByteBuf b && b.isReadable()) {
            timer = c.executor().schedule(() -> fire(c), px.config.headerReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        c.fireChannelRead(msg);
    }

    void headReceived() {
        awaiting = false;
        cancel();
    }

    void awaitNext() {
        awaiting = true;
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext c) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        cancel();
        c.fireChannelInactive();
    }

    private void fire(ChannelHandlerContext c) {
        timer = null;
        if (!awaiting || !c.channel().isActive()) {
            return;
        }
        String id = Ids.requestId();
        var problem = Problems.of(ErrorType.REQUEST_TIMEOUT,
                "the request headers were not received within " + px.config.headerReadTimeout().toSeconds() + " s");
        px.audit.completed(AuditEvents.denied(id, null, (InetSocketAddress) c.channel().remoteAddress(), null, host, 0,
                null, null, problem.status(), problem.type().slug()));
        c.channel().writeAndFlush(Problems.response(problem, id, false, c.alloc())).addListener(ChannelFutureListener.CLOSE);
    }
}
