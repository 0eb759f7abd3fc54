package dev.keyway.server.http;

import dev.keyway.core.limit.ConnectionLimiter;
import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.netty.HeaderTimeout;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
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
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-plane HTTP listener: connection limits, a header-read timeout, Netty's HTTP/1.1
 * codec, a size-limited aggregator, then dispatch of each complete request to a virtual thread, with
 * the response written back on the channel's event loop in request order. Routing and error mapping live in {@link Router} and {@link Problems}.
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

    /** Binds and starts serving with the default {@link ListenerLimits}. */
    public static HttpApiServer start(String host, int port, Router router, int maxBodyBytes) throws InterruptedException {
        return start(host, port, router, maxBodyBytes, ListenerLimits.DEFAULTS);
    }

    /**
     * Binds and starts serving.
     *
     * @param maxBodyBytes request bodies above this are answered 413 without being read further
     * @param limits connection caps and the header-read timeout
     */
    public static HttpApiServer start(String host, int port, Router router, int maxBodyBytes, ListenerLimits limits)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("api-", 0).factory());
        ConnectionLimiter limiter = new ConnectionLimiter(limits.connections());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new Admission(limiter))
                                    .addLast(new IdleStateHandler(0, 0, 120, TimeUnit.SECONDS))
                                    // Slowloris guard: the head must be complete this long after its
                                    // first byte. The 408 goes through the dispatcher's queue so that
                                    // it is never written ahead of an earlier request's response.
                                    .addLast(new HeaderTimeout(limits.headerTimeout(),
                                            c -> c.pipeline().fireUserEventTriggered(Dispatcher.HEADER_TIMEOUT)))
                                    .addLast(new HttpServerCodec(8192, 16384, 8192))
                                    .addLast(new HeadWatch())
                                    .addLast(new LimitedAggregator(maxBodyBytes))
                                    .addLast(new Dispatcher(router, workers, limits.headerTimeout()));
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
     * Admits a new connection only while the listener's total and per-address counts allow it;
     * otherwise answers 429 {@code rate-limited} and closes, before any request is read.
     */
    private static final class Admission extends ChannelInboundHandlerAdapter {
        private final ConnectionLimiter limiter;
        private @Nullable InetAddress admitted;

        Admission(ConnectionLimiter limiter) {
            this.limiter = limiter;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
            ConnectionLimiter.Admission a = limiter.tryAcquire(address);
            if (a.admitted()) {
                admitted = address;
                super.channelActive(ctx);
                return;
            }
            ctx.channel().config().setAutoRead(false);
            String detail = a == ConnectionLimiter.Admission.REFUSED_PER_ADDRESS
                    ? "too many open connections from your address; close idle connections and retry"
                    : "the control plane has too many open connections; retry shortly";
            FullHttpResponse resp = toNetty(
                    Problems.of(ErrorType.RATE_LIMITED, detail, UUID.randomUUID().toString()).withHeader("Retry-After", "1"),
                    false);
            HttpUtil.setKeepAlive(resp, false);
            // through the whole pipeline: the HTTP encoder sits after this handler
            ctx.channel().writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (admitted != null) {
                limiter.release(admitted);
                admitted = null;
            }
            super.channelInactive(ctx);
        }
    }

    /** Tells the {@link HeaderTimeout} when a head is complete and when the next request may start. */
    private static final class HeadWatch extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            HeaderTimeout ht = HeaderTimeout.of(ctx);
            if (ht != null && msg instanceof HttpRequest) {
                ht.headReceived();
            }
            if (ht != null && msg instanceof LastHttpContent) {
                ht.awaitNext();
            }
            super.channelRead(ctx, msg);
        }
    }

    /**
     * Answers oversize bodies with a problem document instead of Netty's bare 413, and lets the
     * connection close only once the client has finished sending: closing a socket with unread input
     * makes the kernel send a reset, which can destroy the 413 before the client reads it. The 413
     * itself is queued by the {@link Dispatcher} like any answer, so it keeps request order.
     */
    private static final class LimitedAggregator extends HttpObjectAggregator {
        /** Upper bound on how long the rest of an oversize body is read and discarded. */
        private static final long DRAIN_SECONDS = 30;

        private boolean draining;

        LimitedAggregator(int max) {
            super(max);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            ctx.fireChannelRead(new Oversized(maxContentLength()));
            ctx.executor().schedule(() -> ctx.close(), DRAIN_SECONDS, TimeUnit.SECONDS);
            if (oversized instanceof LastHttpContent) {
                // Nothing more to discard; give the client a moment to read the answer.
                ctx.fireUserEventTriggered(new Drained(1000));
                return;
            }
            // The aggregator discards the rest of the body; the connection closes when it ends.
            draining = true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            boolean last = msg instanceof LastHttpContent;
            super.channelRead(ctx, msg);
            if (draining && last) {
                // Let the client's final segments be acknowledged before the FIN.
                draining = false;
                ctx.fireUserEventTriggered(new Drained(200));
            }
        }
    }

    /** An oversize request, in request order; answered 413. */
    private record Oversized(int maxBytes) {}

    /** The oversize request's body has been discarded: close {@code delayMillis} after the 413. */
    private record Drained(long delayMillis) {}

    /**
     * Runs each request on a virtual thread and writes the answers <em>in request order</em>
     * (HTTP/1.1 pipelining): while a request is in flight, the socket is not read, and requests that
     * were already decoded wait in a bounded queue. Also owns keep-alive: a response to a request
     * that asked to close, or an error that ends the connection, closes it once written.
     */
    private static final class Dispatcher extends ChannelInboundHandlerAdapter {
        static final Object HEADER_TIMEOUT = new Object();

        /** Decoded requests that may wait behind the one in flight; more closes the connection. */
        private static final int MAX_QUEUED = 64;

        /** What the connection is doing; all transitions happen on the channel's event loop. */
        private enum State {
            /** Nothing in flight; reading requests. */
            IDLE,
            /** A request is being handled or its response written; not reading. */
            BUSY,
            /** The last response was written; the connection closes; nothing else is answered. */
            CLOSING
        }

        /** One decoded item waiting for its turn. */
        private sealed interface Pending {}

        private record Call(
                String method, String path, Map<String, List<String>> query, Map<String, String> headers, byte[] body,
                InetSocketAddress remote, String rid, boolean keepAlive) implements Pending {}

        /** An answer known without running a handler; the connection closes after it. */
        private record Reject(ApiResponse response, boolean waitForDrain) implements Pending {}

        private final Router router;
        private final ExecutorService workers;
        private final Duration headerTimeout;
        private final ArrayDeque<Pending> queue = new ArrayDeque<>();
        private State state = State.IDLE;
        private long drainedDelay = -1;
        private boolean closeWhenDrained;

        Dispatcher(Router router, ExecutorService workers, Duration headerTimeout) {
            this.router = router;
            this.workers = workers;
            this.headerTimeout = headerTimeout;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            @Nullable Pending p;
            try {
                p = switch (msg) {
                    case FullHttpRequest req -> decode(ctx, req);
                    case Oversized o -> new Reject(Problems.of(ErrorType.PAYLOAD_TOO_LARGE,
                            "request body exceeds " + o.maxBytes() + " bytes", UUID.randomUUID().toString()), true);
                    default -> null;
                };
            } finally {
                ReferenceCountUtil.release(msg);
            }
            if (p != null) {
                submit(ctx, p);
            }
        }

        private static Pending decode(ChannelHandlerContext ctx, FullHttpRequest msg) {
            String rid = UUID.randomUUID().toString();
            if (!msg.decoderResult().isSuccess()) {
                ErrorType t = msg.decoderResult().cause() instanceof TooLongFrameException
                        ? ErrorType.HEADERS_TOO_LARGE
                        : ErrorType.BAD_REQUEST;
                return new Reject(Problems.of(t, "malformed HTTP request", rid), false);
            }
            QueryStringDecoder qs = new QueryStringDecoder(msg.uri());
            Map<String, String> headers = new LinkedHashMap<>();
            msg.headers().forEach(e -> headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
            return new Call(msg.method().name(), qs.rawPath(), qs.parameters(), headers, ByteBufUtil.getBytes(msg.content()),
                    (InetSocketAddress) ctx.channel().remoteAddress(), rid, HttpUtil.isKeepAlive(msg));
        }

        private void submit(ChannelHandlerContext ctx, Pending p) {
            switch (state) {
                case IDLE -> start(ctx, p);
                case BUSY -> {
                    if (queue.size() >= MAX_QUEUED) {
                        log.debug("control-plane connection pipelined more than {} requests; closing", MAX_QUEUED);
                        state = State.CLOSING;
                        ctx.close();
                    } else {
                        queue.add(p);
                    }
                }
                case CLOSING -> {
                    // the connection ends after the response already being written
                }
            }
        }

        private void start(ChannelHandlerContext ctx, Pending p) {
            state = State.BUSY;
            ctx.channel().config().setAutoRead(false);
            switch (p) {
                case Reject r -> {
                    state = State.CLOSING;
                    queue.clear();
                    var f = ctx.writeAndFlush(closing(r.response()));
                    if (!r.waitForDrain()) {
                        f.addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                    // Keep reading (and discarding) the rest of the oversize body; close once it ended.
                    ctx.channel().config().setAutoRead(true);
                    closeWhenDrained = true;
                    if (drainedDelay >= 0) {
                        scheduleClose(ctx, drainedDelay);
                    }
                }
                case Call c -> workers.execute(() -> run(ctx, c));
            }
        }

        private void run(ChannelHandlerContext ctx, Call c) {
            boolean head = c.method().equals("HEAD");
            ApiResponse resp;
            try {
                resp = switch (router.route(c.method(), c.path())) {
                    case Router.Match.Found f -> f.handler().handle(new ApiRequest(
                            c.method(), c.path(), f.params(), c.query(), c.headers(), c.body(), c.remote(), c.rid()));
                    case Router.Match.WrongMethod w -> Problems.of(
                                    ErrorType.METHOD_NOT_ALLOWED,
                                    c.method() + " is not supported on " + c.path() + "; allowed: " + String.join(", ", w.allowed()),
                                    c.rid())
                            .withHeader("Allow", String.join(", ", w.allowed()));
                    case Router.Match.NotFound n -> Problems.of(ErrorType.NOT_FOUND, "no such endpoint: " + c.path(), c.rid());
                };
            } catch (Throwable t) {
                resp = Problems.from(t, c.rid());
            }
            ApiResponse r = resp;
            EventStream body = r.stream();
            if (body != null && !head) {
                ctx.channel().eventLoop().execute(() -> {
                    state = State.CLOSING;
                    queue.clear();
                });
                stream(ctx, r, body, c.rid());
                return;
            }
            ctx.channel().eventLoop().execute(() -> written(ctx, write(ctx, r, c.keepAlive(), head), c.keepAlive()));
        }

        /** After a response was handed to the channel: close, or take the next request. */
        private void written(ChannelHandlerContext ctx, ChannelFuture f, boolean keepAlive) {
            if (!keepAlive) {
                state = State.CLOSING;
                queue.clear();
                f.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            Pending next = queue.poll();
            if (next != null) {
                start(ctx, next);
                return;
            }
            state = State.IDLE;
            ctx.channel().config().setAutoRead(true);
        }

        private void scheduleClose(ChannelHandlerContext ctx, long delayMillis) {
            ctx.executor().schedule(() -> ctx.close(), delayMillis, TimeUnit.MILLISECONDS);
        }

        private static FullHttpResponse closing(ApiResponse r) {
            FullHttpResponse resp = toNetty(r, false);
            HttpUtil.setKeepAlive(resp, false);
            return resp;
        }

        /**
         * Writes a streaming response: the head (chunked, connection close), then whatever the
         * stream sends, each chunk flushed and awaited, then the last chunk and close. Runs on the
         * request's virtual thread.
         */
        private static void stream(ChannelHandlerContext ctx, ApiResponse r, EventStream body, String rid) {
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
                    body.run(sink);
                }
            } catch (Throwable t) {
                log.debug("request {}: stream ended: {}", rid, t.toString());
            } finally {
                if (ch.isActive()) {
                    ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                }
            }
        }

        private static ChannelFuture write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive, boolean head) {
            FullHttpResponse resp = toNetty(r, head);
            HttpUtil.setKeepAlive(resp, keepAlive);
            return ctx.writeAndFlush(resp);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            switch (evt) {
                case IdleStateEvent i -> ctx.close();
                case Drained d -> {
                    drainedDelay = d.delayMillis();
                    if (closeWhenDrained) {
                        scheduleClose(ctx, drainedDelay);
                    }
                }
                default -> {
                    if (evt == HEADER_TIMEOUT) {
                        submit(ctx, new Reject(Problems.of(ErrorType.REQUEST_TIMEOUT,
                                "the request headers were not received within " + headerTimeout.toSeconds() + " s",
                                UUID.randomUUID().toString()), false));
                    } else {
                        super.userEventTriggered(ctx, evt);
                    }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            state = State.CLOSING;
            queue.clear();
            super.channelInactive(ctx);
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
