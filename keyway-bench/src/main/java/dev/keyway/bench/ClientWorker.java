package dev.keyway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * One connection slot of a {@link LoadGen} run: a closed loop that keeps exactly one request in
 * flight. In keep-alive mode it sends the next request on the same connection as soon as the
 * previous response has fully arrived; in new-connection mode it opens a fresh TCP connection (and
 * CONNECT tunnel, and TLS session) for every request and measures from the connect. Every method
 * runs on the slot's event loop; events from a connection the slot has already given up on are
 * ignored.
 */
final class ClientWorker {
    private static final Pattern SENT_US = Pattern.compile("\"sent_us\":(\\d+)");
    private static final Pattern PROXY_STATUS = Pattern.compile("status: (\\d{3})");
    private static final long RETRY_DELAY_MS = 20;

    private final LoadRun run;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    final SlotStats stats = new SlotStats();

    private @Nullable Channel channel;
    private boolean done;
    private long connectStart;
    private long requestStart;
    /** Last time this slot connected, finished a handshake or received data. */
    private long lastProgress = System.nanoTime();
    private boolean inFlight;
    private boolean headersSeen;
    private @Nullable String statusError;
    private boolean keepAlive;
    private boolean authSeen;
    private @Nullable StringBuilder sse;

    ClientWorker(LoadRun run, EventLoop loop) {
        this.run = run;
        this.loop = loop;
        this.bootstrap = run.bootstrap().clone(loop).handler(new Init());
    }

    void start() {
        loop.execute(this::connect);
    }

    /** Stops the slot (on its loop): ignore everything from now on and close the connection. */
    SlotStats stop() {
        if (!done && channel != null) {
            long idle = System.nanoTime() - lastProgress;
            if (idle > Math.min(run.options().duration().toNanos() / 2, run.options().timeout().toNanos())) {
                // a connect, CONNECT, handshake or response that made no progress for half the window or more
                stats.error("stalled", "no progress for " + idle / 1_000_000 + " ms when the run ended", true);
            }
        }
        done = true;
        if (channel != null) {
            channel.close();
            channel = null;
        }
        return stats;
    }

    EventLoop loop() {
        return loop;
    }

    private void connect() {
        if (done || run.stopped()) {
            return;
        }
        connectStart = System.nanoTime();
        lastProgress = connectStart;
        headersSeen = false;
        inFlight = false;
        ChannelFuture f = bootstrap.connect(run.destination());
        channel = f.channel();
        Channel ch = f.channel();
        f.addListener(r -> {
            if (!r.isSuccess()) {
                fail(ch, "connect", r.cause());
            }
        });
    }

    private void onTlsReady(Channel ch) {
        if (ch != channel || done) {
            return;
        }
        lastProgress = System.nanoTime();
        send(ch);
    }

    private void send(Channel ch) {
        if (run.stopped()) {
            stop();
            return;
        }
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, run.options().pathAndQuery());
        req.headers()
                .set(HttpHeaderNames.HOST, run.hostHeader())
                .set(HttpHeaderNames.USER_AGENT, "keyway-loadgen")
                .set(HttpHeaderNames.ACCEPT, "*/*");
        for (var h : run.options().headers()) {
            req.headers().add(h.getKey(), h.getValue());
        }
        requestStart = run.options().newConnection() ? connectStart : System.nanoTime();
        inFlight = true;
        headersSeen = false;
        statusError = null;
        authSeen = false;
        sse = null;
        ch.writeAndFlush(req).addListener(w -> {
            if (!w.isSuccess()) {
                fail(ch, "write", w.cause());
            }
        });
    }

    private void onHead(Channel ch, HttpResponse r) {
        if (ch != channel || done) {
            return;
        }
        headersSeen = true;
        long now = System.nanoTime();
        lastProgress = now;
        if (run.measured(requestStart, now)) {
            stats.ttfb.record((now - requestStart) / 1000);
        }
        int code = r.status().code();
        statusError = code == 200 ? null : "http-" + code;
        keepAlive = HttpUtil.isKeepAlive(r);
        authSeen = "bearer".equals(r.headers().get("x-upstream-auth"));
        String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
        sse = type != null && type.startsWith("text/event-stream") ? new StringBuilder() : null;
    }

    private void onContent(Channel ch, HttpContent c) {
        if (ch != channel || done || !headersSeen) {
            return;
        }
        ByteBuf b = c.content();
        int n = b.readableBytes();
        long now = System.nanoTime();
        lastProgress = now;
        if (run.measured(requestStart, now)) {
            stats.bodyBytes += n;
        }
        if (sse != null && n > 0) {
            events(b, now);
        }
        if (c instanceof LastHttpContent) {
            complete(ch, now);
        }
    }

    /** Records the delivery latency of every complete event (they end with a blank line). */
    private void events(ByteBuf b, long nowNanos) {
        StringBuilder buf = sse;
        if (buf == null) {
            return;
        }
        buf.append(b.toString(StandardCharsets.US_ASCII));
        int end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
            Matcher m = SENT_US.matcher(buf.subSequence(0, end));
            if (m.find() && run.measuredAt(nowNanos)) {
                stats.events.record(epochMicros() - Long.parseLong(m.group(1)));
            }
            buf.delete(0, end + 2);
        }
    }

    static long epochMicros() {
        Instant i = Clock.systemUTC().instant();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    private void complete(Channel ch, long now) {
        inFlight = false;
        boolean measured = run.measured(requestStart, now);
        if (statusError != null) {
            stats.error(statusError, "upstream or proxy answered " + statusError.substring(5), run.measuredAt(now));
        } else if (run.options().expectAuth() && !authSeen) {
            stats.error("auth-missing", "the upstream saw no Authorization: Bearer header", run.measuredAt(now));
        } else if (measured) {
            stats.requests++;
            stats.latency.record((now - requestStart) / 1000);
        }
        if (run.options().newConnection() || !keepAlive) {
            channel = null;
            ch.close();
            connect();
        } else {
            send(ch);
        }
    }

    private void fail(Channel ch, String kind, @Nullable Throwable cause) {
        if (ch != channel || done) {
            return;
        }
        channel = null;
        inFlight = false;
        ch.close();
        Throwable shown = cause;
        for (Throwable c = cause; c != null; c = c.getCause()) {
            if (c instanceof ProxyConnectException) {
                shown = c;
            }
        }
        String message = shown == null ? kind : shown.getClass().getSimpleName()
                + (shown.getMessage() == null ? "" : ": " + shown.getMessage());
        stats.error(kind, message, run.measuredAt(System.nanoTime()));
        if (!run.stopped()) {
            loop.schedule(this::connect, RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Names an exception as an error kind: the counters are keyed by these. */
    static String kind(Throwable t) {
        // a failed CONNECT also fails the TLS handshake queued behind it: look for the proxy's answer first
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProxyConnectException p) {
                Matcher m = PROXY_STATUS.matcher(String.valueOf(p.getMessage()));
                return m.find() ? "proxy-" + m.group(1) : "proxy";
            }
        }
        if (t instanceof ReadTimeoutException) {
            return "timeout";
        }
        if (t instanceof ConnectException) {
            return "connect";
        }
        if (t instanceof SSLException || t.getCause() instanceof SSLException) {
            return "tls";
        }
        if (t instanceof ClosedChannelException) {
            return "closed";
        }
        return "io";
    }

    /** Builds a connection's pipeline: [CONNECT proxy] → TLS → HTTP/1.1 codec → this slot. */
    private final class Init extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            LoadGenOptions o = run.options();
            ChannelPipeline p = ch.pipeline();
            p.addLast(new ReadTimeoutHandler(o.timeout().toMillis(), TimeUnit.MILLISECONDS));
            if (o.viaProxy()) {
                HttpProxyHandler proxy = o.proxyUser() == null
                        ? new HttpProxyHandler(run.proxyAddress())
                        : new HttpProxyHandler(run.proxyAddress(), o.proxyUser(), String.valueOf(o.proxyPassword()));
                proxy.setConnectTimeoutMillis(o.timeout().toMillis());
                p.addLast(proxy);
            }
            p.addLast(run.ssl().newHandler(ch.alloc(), o.host(), o.port()));
            p.addLast(new HttpClientCodec());
            p.addLast(new Handler());
        }
    }

    /** Routes one connection's events to the slot. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    onTlsReady(ctx.channel());
                } else {
                    fail(ctx.channel(), kind(e.cause()), e.cause());
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse r) {
                    onHead(ctx.channel(), r);
                }
                if (msg instanceof HttpContent c) {
                    onContent(ctx.channel(), c);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx.channel(), kind(cause), cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // the server closed a connection we still meant to use (mid-response, or before TLS finished)
            fail(ctx.channel(), inFlight ? "closed-mid-response" : "closed", null);
        }
    }
}
