package dev.keyway.proxy.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * The last handler of an upstream connection (or HTTP/2 stream): hands every event to the exchange
 * currently using it. An unowned (pooled, idle) connection that receives data or fails is closed.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private @Nullable UpstreamListener listener;

    /**
     * Routes {@code ch}'s upstream events to {@code l}. False (and {@code ch} closed) when the
     * channel has no upstream handler, i.e. it is unusable; the caller then fails its exchange.
     */
    static boolean attach(io.netty.channel.Channel ch, UpstreamListener l) {
        UpstreamHandler uh = ch.pipeline().get(UpstreamHandler.class);
        if (uh == null) {
            ch.close();
            return false;
        }
        uh.listener(l);
        return true;
    }

    /** The problem an exchange answers when {@link #attach} refused the connection. */
    static dev.keyway.proxy.spi.ProxyProblem unusable() {
        return Problems.of(dev.keyway.core.error.ErrorType.UPSTREAM_PROTOCOL_ERROR, "the upstream connection is unusable");
    }

    void listener(@Nullable UpstreamListener l) {
        this.listener = l;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        l.upstreamRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.upstreamReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.upstreamInactive();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamListener l = listener;
        if (l != null) {
            l.upstreamError(cause);
        }
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.upstreamWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ReferenceCountUtil.release(evt);
    }
}
