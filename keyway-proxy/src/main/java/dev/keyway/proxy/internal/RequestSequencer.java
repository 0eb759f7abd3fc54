package dev.keyway.proxy.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One request at a time on an HTTP/1.1 client connection, answered in order. Sits right behind the
 * {@link ClientCodec} (and its {@code Expect} handler) and watches both directions: a request is
 * complete when its last part has passed in, its response when the last part has passed out. Only
 * when both are complete is the codec told to parse the next request ({@link ClientCodec#resume}),
 * so a pipelining client's second request, whether forwarded or answered by the proxy itself, is
 * handled only after the first one's response was written. Reading stays on meanwhile (a keep-alive
 * request pays no {@code epoll_ctl} to stop and restart it); the codec pauses it as soon as bytes of
 * a next request arrive early, so what a client can make the proxy hold is one read's worth.
 *
 * <p>A response that switches protocols ({@code 101}, or {@code 2xx} to {@code CONNECT}) ends HTTP
 * on the connection: the next bytes belong to the tunnel, never to the codec.
 *
 * <p>Half-close: a client may shut down its sending side after a complete request (e.g.
 * {@code shutdown(SHUT_WR)}, {@code curl --no-keepalive} piping); it still gets its response, and
 * the connection closes after it. A half-close in the middle of a request closes at once.
 */
final class RequestSequencer extends ChannelDuplexHandler {
    private boolean requestComplete = true;
    private boolean responseComplete = true;
    private boolean switched;
    private boolean inputClosed;

    /** Installs half-close support on the connection (the sequencer decides when to close). */
    static void allowHalfClosure(io.netty.channel.Channel ch, boolean allow) {
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, allow);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (switched || inputClosed && requestComplete) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            requestComplete = false;
            responseComplete = false;
        }
        if (msg instanceof LastHttpContent) {
            requestComplete = true; // the codec parses nothing more until next(); it pauses reading if more comes
        }
        ctx.fireChannelRead(msg);
        if (msg instanceof LastHttpContent && responseComplete) {
            // answered before the request ended (e.g. 407 while the body was discarded); deferred,
            // as the codec is still in its decode loop
            ctx.executor().execute(() -> next(ctx));
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) {
            int code = r.status().code();
            if (code == 101 || code >= 200 && code < 300 && HttpMethod.CONNECT.equals(method(ctx))) {
                switched = true;
            }
        }
        boolean last = msg instanceof LastHttpContent && !switched;
        ctx.write(msg, promise);
        if (last) {
            responseComplete = true;
            if (requestComplete) {
                // after the writer's own bookkeeping (it may still be finishing the exchange)
                ctx.executor().execute(() -> next(ctx));
            }
        }
    }

    private static HttpMethod method(ChannelHandlerContext ctx) {
        ClientCodec codec = ctx.pipeline().get(ClientCodec.class);
        HttpMethod m = codec == null ? null : codec.method();
        return m == null ? HttpMethod.GET : m;
    }

    /** The exchange is over both ways: close if the client is gone, else parse the next request. */
    private void next(ChannelHandlerContext ctx) {
        if (ctx.isRemoved() || switched || !requestComplete || !responseComplete || !ctx.channel().isActive()) {
            return;
        }
        ClientCodec codec = ctx.pipeline().get(ClientCodec.class);
        if (codec == null) {
            return;
        }
        if (inputClosed || codec.mustClose()) {
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().config().setAutoRead(true);
        ChannelHandlerContext codecCtx = ctx.pipeline().context(codec);
        if (codecCtx != null) {
            codec.resume(codecCtx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && !switched) {
            inputClosed = true;
            if (!requestComplete || responseComplete) {
                ctx.close(); // a request cut in half, or nothing in flight: nothing more will come
            }
            // else: the response in flight is written, then next() closes
        }
        super.userEventTriggered(ctx, evt);
    }
}
