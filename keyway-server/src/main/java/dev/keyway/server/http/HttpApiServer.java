package dev.keyway.server.http;

import dev.keyway.core.error.ErrorType;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-plane HTTP listener: Netty's HTTP/1.1 codec, a size-limited aggregator, keep-alive,
 * then dispatch of each complete request to a virtual thread, with the response written back on
 * the channel's event loop. Routing and error mapping live in {@link Router} and {@link Problems}.
 */
public final class HttpApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);

    private final EventLoopGroup group;
    private final Channel channel;
    private final ExecutorService workers;

    private HttpApiServer(EventLoopGroup group, Channel channel, ExecutorService workers) {
        this.group = group;
        this.channel = channel;
        this.workers = workers;
    }

    /**
     * Binds and starts serving.
     *
     * @param maxBodyBytes request bodies above this are answered 413 without being read further
     */
    public static HttpApiServer start(String host, int port, Router router, int maxBodyBytes) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("api-", 0).factory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, 120, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec(8192, 16384, 8192))
                                    // The aggregator sits before the keep-alive handler so that its
                                    // 413 does not pass through it: that handler would close the
                                    // connection as soon as the 413 is written, while the client is
                                    // still sending, and the client would see a reset, not the 413.
                                    .addLast(new LimitedAggregator(maxBodyBytes))
                                    .addLast(new HttpServerKeepAliveHandler())
                                    .addLast(new Dispatcher(router, workers));
                        }
                    });
            Channel ch = b.bind(host, port).sync().channel();
            return new HttpApiServer(group, ch, workers);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdown();
    }

    /**
     * Answers oversize bodies with a problem document instead of Netty's bare 413, and closes the
     * connection only once the client has finished sending: closing a socket with unread input makes
     * the kernel send a reset, which can destroy the 413 before the client reads it.
     */
    private static final class LimitedAggregator extends HttpObjectAggregator {
        /** Upper bound on how long the rest of an oversize body is read and discarded. */
        private static final long DRAIN_SECONDS = 30;

        private boolean closeWhenDrained;

        LimitedAggregator(int max) {
            super(max);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            String rid = UUID.randomUUID().toString();
            ApiResponse r = Problems.of(
                    ErrorType.PAYLOAD_TOO_LARGE, "request body exceeds " + maxContentLength() + " bytes", rid);
            FullHttpResponse resp = toNetty(r, false);
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(resp);
            if (oversized instanceof LastHttpContent) {
                ctx.executor().schedule(() -> ctx.close(), 1, TimeUnit.SECONDS);
                return;
            }
            // The aggregator discards the rest of the body; close when it ends, or after a bound.
            closeWhenDrained = true;
            ctx.executor().schedule(() -> ctx.close(), DRAIN_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            boolean last = msg instanceof LastHttpContent;
            super.channelRead(ctx, msg);
            if (closeWhenDrained && last) {
                // Let the client's final segments be acknowledged before the FIN.
                ctx.executor().schedule(() -> ctx.close(), 200, TimeUnit.MILLISECONDS);
                closeWhenDrained = false;
            }
        }
    }

    private static final class Dispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Router router;
        private final ExecutorService workers;

        Dispatcher(Router router, ExecutorService workers) {
            this.router = router;
            this.workers = workers;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            String rid = UUID.randomUUID().toString();
            boolean keepAlive = HttpUtil.isKeepAlive(msg);
            if (!msg.decoderResult().isSuccess()) {
                ErrorType t = msg.decoderResult().cause() instanceof TooLongFrameException
                        ? ErrorType.HEADERS_TOO_LARGE
                        : ErrorType.BAD_REQUEST;
                write(ctx, Problems.of(t, "malformed HTTP request", rid), false, false);
                return;
            }
            QueryStringDecoder qs = new QueryStringDecoder(msg.uri());
            String path = qs.rawPath();
            Map<String, String> headers = new LinkedHashMap<>();
            msg.headers().forEach(e -> headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
            byte[] body = ByteBufUtil.getBytes(msg.content());
            String method = msg.method().name();
            boolean head = method.equals("HEAD");
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            Map<String, List<String>> query = qs.parameters();
            workers.execute(() -> {
                ApiResponse resp;
                try {
                    resp = switch (router.route(method, path)) {
                        case Router.Match.Found f -> f.handler()
                                .handle(new ApiRequest(method, path, f.params(), query, headers, body, remote, rid));
                        case Router.Match.WrongMethod w -> Problems.of(
                                        ErrorType.METHOD_NOT_ALLOWED,
                                        method + " is not supported on " + path + "; allowed: " + String.join(", ", w.allowed()),
                                        rid)
                                .withHeader("Allow", String.join(", ", w.allowed()));
                        case Router.Match.NotFound n -> Problems.of(ErrorType.NOT_FOUND, "no such endpoint: " + path, rid);
                    };
                } catch (Throwable t) {
                    resp = Problems.from(t, rid);
                }
                ApiResponse r = resp;
                if (r.stream() != null && !head) {
                    stream(ctx, r, rid);
                    return;
                }
                ctx.channel().eventLoop().execute(() -> write(ctx, r, keepAlive, head));
            });
        }

        /**
         * Writes a streaming response: the head (chunked, connection close), then whatever the
         * stream sends, each chunk flushed and awaited, then the last chunk and close. Runs on the
         * request's virtual thread.
         */
        private static void stream(ChannelHandlerContext ctx, ApiResponse r, String rid) {
            Channel ch = ctx.channel();
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()));
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
            head.headers().set("X-Content-Type-Options", "nosniff");
            head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            r.headers().forEach((k, v) -> head.headers().set(k, v));
            HttpUtil.setTransferEncodingChunked(head, true);
            HttpUtil.setKeepAlive(head, false);
            EventStream.Sink sink = new EventStream.Sink() {
                @Override
                public boolean send(String chunk) {
                    if (!ch.isActive()) {
                        return false;
                    }
                    var f = ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(chunk, StandardCharsets.UTF_8)));
                    return f.awaitUninterruptibly(30, TimeUnit.SECONDS) && f.isSuccess();
                }

                @Override
                public boolean open() {
                    return ch.isActive();
                }
            };
            try {
                if (ch.writeAndFlush(head).awaitUninterruptibly(30, TimeUnit.SECONDS)) {
                    r.stream().run(sink);
                }
            } catch (Throwable t) {
                log.debug("request {}: stream ended: {}", rid, t.toString());
            } finally {
                if (ch.isActive()) {
                    ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                }
            }
        }

        private static void write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive, boolean head) {
            FullHttpResponse resp = toNetty(r, head);
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("control-plane connection error: {}", cause.toString());
            ctx.close();
        }
    }

    static FullHttpResponse toNetty(ApiResponse r, boolean head) {
        FullHttpResponse resp = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
        if (r.status() != 204) {
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        resp.headers().set("X-Content-Type-Options", "nosniff");
        resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().forEach((k, v) -> resp.headers().set(k, v));
        return resp;
    }
}
