package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.RequestDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The response-direction layer of an {@link Exchange} (see {@link ExchangeRecord} for why it is a
 * layer): relays the upstream's response to the client. Interim responses are dropped (the proxy
 * answered the client's own {@code Expect}), the final head loses its hop-by-hop fields and gets the
 * framing the client's protocol needs, and the body streams through. Flushing is batched per
 * upstream read so a small response costs one flush while a stream (SSE) still flows read by read;
 * the upstream stops being read while the client is not writable. The upstream must start its
 * response within the configured timeout, counted from when the whole request was written.
 */
abstract class ExchangeResponse extends ExchangeSigning {
    private final boolean headMethod;
    /** Response data was written to the client but not flushed yet (see {@link #writeClient}). */
    private boolean clientFlushPending;
    /** The final response head was relayed: from now on a failure can only cut the client stream. */
    boolean responseStarted;
    /** The rest of an interim response (its empty last part) is still to be dropped. */
    private boolean skipInterimLast;
    boolean upstreamKeepAlive;
    /** Any response byte arrived on the current upstream connection. */
    boolean responseBytes;
    private @Nullable ScheduledFuture<?> responseTimer;

    ExchangeResponse(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, HttpRequest req,
            RequestDecision.Forward fwd, String requestId, boolean clientKeepAlive) {
        super(owner, ctx, target, req, fwd, requestId, clientKeepAlive);
        this.headMethod = "HEAD".equalsIgnoreCase(fwd.head().method());
    }

    /** The whole response was relayed. */
    abstract void responseComplete();

    @Override
    final void requestWritten() {
        if (responseTimer != null || responseStarted) {
            return;
        }
        long ms = px.config.upstreamResponseTimeout().toMillis();
        responseTimer = ctx.executor().schedule(() -> {
            if (!responseStarted && !finished) {
                fail(Problems.of(ErrorType.UPSTREAM_TIMEOUT, target.authority() + " did not respond within "
                        + px.config.upstreamResponseTimeout().toSeconds() + " s"));
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    final void cancelTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    /** Forgets what arrived on a connection given up for a replay. */
    final void rewindResponse() {
        skipInterimLast = false;
        responseBytes = false;
    }

    @Override
    public final void upstreamRead(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        responseBytes = true;
        if (msg instanceof HttpResponse r) {
            onResponseHead(r);
            return;
        }
        if (msg instanceof HttpContent c) {
            boolean last = c instanceof LastHttpContent;
            if (skipInterimLast) {
                c.release();
                skipInterimLast = !last;
                return;
            }
            if (!responseStarted) {
                c.release();
                fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, target.authority() + " sent an invalid response"));
                return;
            }
            bytesOut += c.content().readableBytes();
            if (last) {
                HopByHop.stripKeyway(((LastHttpContent) c).trailingHeaders());
            }
            writeClient(c, last);
            if (last) {
                responseComplete();
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void onResponseHead(HttpResponse r) {
        int code = r.status().code();
        if (r.decoderResult().isFailure() || code == 101 || code < 100) {
            ReferenceCountUtil.release(r);
            fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, target.authority() + " sent an invalid response"));
            return;
        }
        if (code < 200) {
            skipInterimLast = !(r instanceof LastHttpContent);
            ReferenceCountUtil.release(r);
            return; // interim (100, 103): the client's own Expect was answered by the proxy
        }
        cancelTimer();
        dropReplayBody();
        status = code;
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        HttpHeaders h = r.headers().copy();
        HopByHop.strip(h, false);
        HopByHop.stripKeyway(h);
        boolean bodyless = headMethod || code == 204 || code == 304;
        boolean h1Client = !owner.h2Stream;
        HttpResponse out;
        boolean full = r instanceof FullHttpResponse;
        if (full) {
            FullHttpResponse fr = (FullHttpResponse) r;
            if (h1Client && !bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.setInt(HttpHeaderNames.CONTENT_LENGTH, fr.content().readableBytes());
            }
            bytesOut += fr.content().readableBytes();
            HttpHeaders trailers = fr.trailingHeaders().copy();
            HopByHop.stripKeyway(trailers);
            out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), fr.content(), h, trailers);
        } else {
            if (h1Client && !bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), h);
        }
        if (h1Client && !clientKeepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        responseStarted = true;
        writeClient(out, full);
        if (full) {
            responseComplete();
        }
    }

    /**
     * Relays to the client. The end of a response is flushed at once; anything else is flushed when
     * the upstream read that produced it completes ({@link #upstreamReadComplete}), so a small
     * response (head + body in one read) costs one flush, while streams (SSE) are still flushed as
     * each upstream read arrives.
     */
    private void writeClient(Object msg, boolean flush) {
        if (flush) {
            clientFlushPending = false;
            ctx.writeAndFlush(msg);
        } else {
            clientFlushPending = true;
            ctx.write(msg);
        }
        Channel up = upstream;
        if (up != null && !ctx.channel().isWritable()) {
            up.config().setAutoRead(false);
        }
    }

    @Override
    public final void upstreamReadComplete() {
        flushClient();
    }

    final void flushClient() {
        if (clientFlushPending) {
            clientFlushPending = false;
            ctx.flush();
        }
    }

    /** The client's writability changed: the upstream is read only while the client can take more. */
    final void clientWritabilityChanged(boolean writable) {
        Channel up = upstream;
        if (up != null && responseStarted && !finished) {
            up.config().setAutoRead(writable);
        }
    }
}
