package dev.keyway.proxy.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The last handler of an intercepted HTTP/2 connection: an exception that reaches it is a client
 * breaking the protocol (a bad preface, an invalid frame) or the connection failing. Netty would log
 * each one at WARN with a full stack trace, so 50 malformed connections made 2,000 log lines; here it
 * becomes at most one line, without a stack trace, and rate-limited across connections
 * ({@link ThrottledLog}), and the connection closes.
 */
@ChannelHandler.Sharable
final class ProtocolErrors extends ChannelInboundHandlerAdapter {
    private final ThrottledLog log;
    private final String what;

    ProtocolErrors(ThrottledLog log, String what) {
        this.log = log;
        this.what = what;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel().isOpen()) {
            log.warn(what + " from " + AuditEvents.client((java.net.InetSocketAddress) ctx.channel().remoteAddress())
                    + " closed: " + describe(cause));
            ctx.close();
        }
    }

    /** The exception's type and first message line only, without the client's bytes. */
    static String describe(Throwable cause) {
        String m = cause.getMessage();
        if (m == null) {
            return cause.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        String first = nl < 0 ? m : m.substring(0, nl);
        int dump = first.indexOf(" Hex dump"); // Netty quotes the client's bytes: they stay out of the log
        if (dump > 0) {
            first = first.substring(0, dump);
        }
        return cause.getClass().getSimpleName() + ": " + (first.length() > 200 ? first.substring(0, 200) + "..." : first);
    }
}
