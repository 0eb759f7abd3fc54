package dev.keyway.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongConsumer;

/**
 * Copies everything read on one channel to its peer, reading the next chunk only after the previous
 * write completed (backpressure without buffering; both channels run with AUTO_READ off). Used for
 * blind CONNECT tunnels and upgraded WebSocket connections; one instance per direction.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private final LongConsumer bytes;

    Relay(Channel peer, LongConsumer bytes) {
        this.peer = peer;
        this.bytes = bytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(false);
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            bytes.accept(b.readableBytes());
        } else if (msg instanceof ByteBufHolder h) {
            bytes.accept(h.content().readableBytes());
        }
        if (!peer.isActive()) {
            io.netty.util.ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ctx.channel().read();
            } else {
                f.channel().close();
                ctx.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closeOnFlush(peer);
    }

    /** Flushes what is queued, then closes. */
    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
