package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.inject.Redactions;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The response-relay part of an {@link Exchange}: relays the upstream's response to the client.
 * Interim responses are dropped (the proxy answered the client's own {@code Expect}), the final
 * head loses its hop-by-hop fields and gets the framing the client's protocol needs, and the body
 * streams through. Flushing is batched per upstream read so a small response costs one flush while
 * a stream (SSE) still flows read by read; the upstream stops being read while the client is not
 * writable. The upstream must start its response within the configured timeout, counted from when
 * the whole request was written; the relay is itself the timer's task.
 */
final class ResponseRelay implements Runnable {
    /** What arrived on the current upstream connection. */
    enum State {
        /** Nothing yet (a failure now may be a stale pooled connection: see {@link Exchange}). */
        AWAITING,
        /** Something arrived, but no final response head yet (e.g. an interim response was dropped). */
        PRELUDE,
        /** An interim head arrived; the rest of it (its empty last part) is still to be dropped. */
        INTERIM,
        /** The final head was relayed: from now on a failure can only cut the client stream. */
        STREAMING,
        /** The whole response was relayed. */
        COMPLETE
    }

    private final Exchange x;
    private final ChannelHandlerContext ctx;
    private final boolean headMethod;
    private State state = State.AWAITING;
    /** Largest declared body of a scanned response that is collected to keep a Content-Length. */
    static final long HOLD_SMALL_BODY = 64 * 1024;
    /** The upstream allows another request on its connection after this response. */
    private boolean upstreamKeepAlive;
    /** Response data was written to the client but not flushed yet (see {@link #writeClient}). */
    private boolean clientFlushPending;
    private @Nullable ScheduledFuture<?> responseTimer;
    /** The values to redact from the response; none when it is not scanned. */
    private Redactions echoes;
    /** The body scan of the current response, while it streams. */
    private @Nullable ResponseScan scan;
    /**
     * A scanned response whose upstream declared a small Content-Length: its head waits here while
     * the (redacted) body is collected, so the client still gets a Content-Length (the new one)
     * instead of a re-framed chunked body. Null when streaming.
     */
    private @Nullable HttpResponse heldHead;
    private io.netty.buffer.@Nullable CompositeByteBuf heldBody;

    ResponseRelay(Exchange x) {
        this.x = x;
        this.ctx = x.ctx;
        this.headMethod = "HEAD".equalsIgnoreCase(x.fwd.head().method());
        this.echoes = x.fwd.echoes();
    }

    /** Values a signer placed into the request once it had fetched them: the response is scanned for them too. */
    void scanFor(Redactions more) {
        if (more.isEmpty()) {
            return;
        }
        if (echoes.isEmpty()) {
            echoes = more;
        } else {
            more.close(); // the request carried one credential set; keep the first
        }
    }

    /** The exchange ended: the scan's decoder is released and the values are wiped. */
    void close() {
        ResponseScan sc = scan;
        scan = null;
        if (sc != null) {
            sc.close();
        }
        releaseHeld();
        echoes.close();
    }

    private void releaseHeld() {
        heldHead = null;
        io.netty.buffer.CompositeByteBuf b = heldBody;
        heldBody = null;
        if (b != null) {
            b.release();
        }
    }

    State state() {
        return state;
    }

    /** The final response head was relayed. */
    boolean started() {
        return state == State.STREAMING || state == State.COMPLETE;
    }

    /** Any response byte arrived on the current upstream connection. */
    boolean anyBytes() {
        return state != State.AWAITING;
    }

    boolean upstreamKeepAlive() {
        return upstreamKeepAlive;
    }

    /** The whole request was written upstream: the response timeout starts. */
    void requestWritten() {
        if (responseTimer != null || started()) {
            return;
        }
        responseTimer = ctx.executor().schedule(this, x.px.config.upstreamResponseTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The response timeout. */
    @Override
    public void run() {
        if (!started() && !x.isOver()) {
            x.fail(Problems.of(ErrorType.UPSTREAM_TIMEOUT, x.target.authority() + " did not respond within "
                    + x.px.config.upstreamResponseTimeout().toSeconds() + " s"));
        }
    }

    void cancelTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    /** Forgets what arrived on a connection given up for a replay. */
    void rewind() {
        state = State.AWAITING;
        ResponseScan sc = scan;
        scan = null;
        if (sc != null) {
            sc.close();
        }
        releaseHeld();
    }

    /** An object read from the upstream; the relay owns the reference. */
    void read(Object msg) {
        if (state == State.AWAITING) {
            state = State.PRELUDE;
        }
        if (msg instanceof HttpResponse r) {
            onHead(r);
            return;
        }
        if (msg instanceof HttpContent c) {
            boolean last = c instanceof LastHttpContent;
            if (state == State.INTERIM) {
                c.release();
                if (last) {
                    state = State.PRELUDE;
                }
                return;
            }
            if (!started()) {
                c.release();
                x.fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, x.target.authority() + " sent an invalid response"));
                return;
            }
            if (last) {
                HopByHop.stripKeyway(((LastHttpContent) c).trailingHeaders());
            }
            ResponseScan sc = scan;
            if (sc != null) {
                c = scanned(sc, c, last);
                if (c == null) {
                    return;
                }
                io.netty.buffer.CompositeByteBuf held = heldBody;
                HttpResponse head = heldHead;
                if (held != null && head != null) {
                    held.addComponent(true, c.content().retain());
                    if (!last) {
                        c.release();
                        return;
                    }
                    HttpHeaders trailers = ((LastHttpContent) c).trailingHeaders();
                    c.release();
                    heldBody = null;
                    heldHead = null;
                    head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, held.readableBytes());
                    x.audit.countOut(held.readableBytes());
                    state = State.COMPLETE;
                    writeClient(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(), held, head.headers(), trailers), true);
                    x.responseComplete();
                    return;
                }
            }
            x.audit.countOut(c.content().readableBytes());
            if (last) {
                state = State.COMPLETE;
            }
            writeClient(c, last);
            if (last) {
                x.responseComplete();
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    /**
     * A body part through the scan: the redacted part to relay, or null when nothing may go out yet
     * (held back) or the exchange failed (a corrupt coded body: the client stream is cut).
     */
    private @Nullable HttpContent scanned(ResponseScan sc, HttpContent c, boolean last) {
        ByteBuf out;
        try {
            out = sc.process(c.content().retain(), last);
        } catch (DecoderException e) {
            c.release();
            x.audit.countRedactions(sc.redactions());
            x.fail(Problems.of(ErrorType.RESPONSE_UNSCANNABLE, x.target.authority()
                    + " sent a compressed body that could not be decoded, so it could not be scanned for secrets"));
            return null;
        }
        if (!last) {
            c.release();
            if (!out.isReadable()) {
                out.release();
                return null;
            }
            return new DefaultHttpContent(out);
        }
        HttpHeaders trailers = ((LastHttpContent) c).trailingHeaders().copy();
        c.release();
        int n = ResponseScan.scanHeaders(trailers, echoes);
        x.audit.countRedactions(sc.redactions() + n);
        return new DefaultLastHttpContent(out, trailers);
    }

    private void onHead(HttpResponse r) {
        int code = r.status().code();
        if (r.decoderResult().isFailure() || code == 101 || code < 100) {
            ReferenceCountUtil.release(r);
            x.fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, x.target.authority() + " sent an invalid response"));
            return;
        }
        if (code < 200) {
            state = r instanceof LastHttpContent ? State.PRELUDE : State.INTERIM;
            ReferenceCountUtil.release(r);
            return; // interim (100, 103): the client's own Expect was answered by the proxy
        }
        cancelTimer();
        x.writer.dropReplayBody();
        x.audit.status(code);
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        HttpHeaders h = r.headers().copy();
        HopByHop.strip(h, false);
        HopByHop.stripKeyway(h);
        boolean bodyless = headMethod || code == 204 || code == 304;
        boolean h1Client = !x.owner.h2Stream;
        boolean full = r instanceof FullHttpResponse;
        ResponseScan sc = null;
        if (!echoes.isEmpty()) {
            x.audit.countRedactions(ResponseScan.scanHeaders(h, echoes));
            if (!bodyless) {
                ResponseScan.Coding coding = ResponseScan.coding(h);
                if (coding == ResponseScan.Coding.UNSCANNABLE) {
                    ReferenceCountUtil.release(r);
                    x.fail(Problems.of(ErrorType.RESPONSE_UNSCANNABLE, x.target.authority() + " answered in the content"
                            + " coding '" + h.get(HttpHeaderNames.CONTENT_ENCODING) + "', which Keyway cannot decode to scan"
                            + " for an echoed credential; send Accept-Encoding: gzip or identity"));
                    return;
                }
                sc = new ResponseScan(echoes, coding, ctx.alloc());
                if (coding != ResponseScan.Coding.IDENTITY) {
                    h.remove(HttpHeaderNames.CONTENT_ENCODING); // sent on decoded
                }
                // the redacted body's length is only known at its end: a small declared body is
                // collected and sent with its new length, a larger or unknown one streams
                long declared = HttpUtil.getContentLength(r, -1L);
                if (!full && declared >= 0 && declared <= HOLD_SMALL_BODY) {
                    heldBody = ctx.alloc().compositeBuffer();
                }
                h.remove(HttpHeaderNames.CONTENT_LENGTH);
            }
        }
        HttpResponse out;
        if (full) {
            FullHttpResponse fr = (FullHttpResponse) r;
            ByteBuf body = fr.content();
            HttpHeaders trailers = fr.trailingHeaders().copy();
            HopByHop.stripKeyway(trailers);
            if (sc != null) {
                try {
                    body = sc.process(fr.content().retain(), true);
                } catch (DecoderException e) {
                    sc.close();
                    ReferenceCountUtil.release(r);
                    x.fail(Problems.of(ErrorType.RESPONSE_UNSCANNABLE, x.target.authority()
                            + " sent a compressed body that could not be decoded, so it could not be scanned for secrets"));
                    return;
                }
                ReferenceCountUtil.release(r);
                x.audit.countRedactions(sc.redactions() + ResponseScan.scanHeaders(trailers, echoes));
                sc.close();
                h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            } else if (h1Client && !bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            }
            x.audit.countOut(body.readableBytes());
            out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), body, h, trailers);
        } else if (heldBody != null) {
            scan = sc;
            if (h1Client && !x.clientKeepAlive) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            heldHead = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), h);
            state = State.STREAMING;
            return;
        } else {
            scan = sc;
            if (h1Client && !bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), h);
        }
        if (h1Client && !x.clientKeepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        state = full ? State.COMPLETE : State.STREAMING;
        writeClient(out, full);
        if (full) {
            x.responseComplete();
        }
    }

    /**
     * Relays to the client. The end of a response is flushed at once; anything else is flushed when
     * the upstream read that produced it completes ({@link #flushClient}), so a small response
     * (head + body in one read) costs one flush, while streams (SSE) are still flushed as each
     * upstream read arrives.
     */
    private void writeClient(Object msg, boolean flush) {
        if (flush) {
            clientFlushPending = false;
            ctx.writeAndFlush(msg);
        } else {
            clientFlushPending = true;
            ctx.write(msg);
        }
        Channel up = x.link.channel();
        if (up != null && !ctx.channel().isWritable()) {
            up.config().setAutoRead(false);
        }
    }

    /** Flushes what was relayed without a flush (at the end of an upstream read, or when the exchange breaks off). */
    void flushClient() {
        if (clientFlushPending) {
            clientFlushPending = false;
            ctx.flush();
        }
    }

    /** The client's writability changed: the upstream is read only while the client can take more. */
    void clientWritabilityChanged(boolean writable) {
        Channel up = x.link.channel();
        if (up != null && started() && !x.isOver()) {
            up.config().setAutoRead(writable);
        }
    }
}
