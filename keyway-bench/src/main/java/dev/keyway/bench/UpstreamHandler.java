package dev.keyway.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Serves one {@link Upstream} connection: answers each request head with a pre-encoded response
 * (written as raw bytes, no HTTP encoder), or streams server-sent events for {@code /sse}. Request
 * bodies are ignored.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private static final int MAX_EVENTS = 100_000;
    private static final long MAX_DELAY_MS = 60_000;

    private final Upstream.Responses responses;

    UpstreamHandler(Upstream.Responses responses) {
        this.responses = responses;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                if (req.decoderResult().isFailure()) {
                    ctx.close();
                    return;
                }
                respond(ctx, req);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest req) {
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        boolean bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7);
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        ByteBuf response = switch (uri.path()) {
            case "/small" -> bearer ? responses.smallAuth : responses.smallNoAuth;
            case "/1m" -> bearer ? responses.largeAuth : responses.largeNoAuth;
            case "/sse" -> null;
            default -> bearer ? responses.notFoundAuth : responses.notFoundNoAuth;
        };
        if (response == null) {
            int n = (int) Math.min(MAX_EVENTS, Math.max(1, param(uri, "n", 20)));
            long delay = Math.min(MAX_DELAY_MS, Math.max(0, param(uri, "delay", 50)));
            String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                    + "Transfer-Encoding: chunked\r\nX-Upstream-Auth: " + (bearer ? "bearer" : "none") + "\r\n\r\n";
            ctx.write(ctx.alloc().buffer(head.length()).writeBytes(head.getBytes(StandardCharsets.US_ASCII)));
            sendEvent(ctx, 0, n, delay, keepAlive);
            return;
        }
        var f = ctx.writeAndFlush(response.retainedDuplicate());
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Writes event {@code seq} as one chunk (with its send time) and schedules the next. */
    private void sendEvent(ChannelHandlerContext ctx, int seq, int n, long delayMs, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            return;
        }
        String data = "id: " + seq + "\ndata: {\"seq\":" + seq + ",\"n\":" + n + ",\"sent_us\":"
                + ClientWorker.epochMicros() + "}\n\n";
        String chunk = Integer.toHexString(data.length()) + "\r\n" + data + "\r\n" + (seq == n - 1 ? "0\r\n\r\n" : "");
        var f = ctx.writeAndFlush(ctx.alloc().buffer(chunk.length()).writeBytes(chunk.getBytes(StandardCharsets.US_ASCII)));
        if (seq == n - 1) {
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        ctx.executor().schedule(() -> sendEvent(ctx, seq + 1, n, delayMs, keepAlive), delayMs, TimeUnit.MILLISECONDS);
    }

    private static long param(QueryStringDecoder uri, String name, long fallback) {
        List<String> v = uri.parameters().get(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.getFirst());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
