package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.inject.HttpHead;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The request-writer part of an {@link Exchange}: the head as it goes upstream (the injected head
 * the policy returned, so this is where the credential leaves) and the body. The body streams
 * upstream chunk by chunk as the client sends it, rewritten on the way when the policy substitutes a
 * value; it is buffered whole instead when its final length must be known first (a rewritten body
 * that fits the buffer limit, or a body the {@link RequestSigning} signer must see). Nothing is
 * written until the {@link SendGate} is open, the signature is in place and the
 * {@link UpstreamLink} has a connection ({@link #maybeSend}); parts that arrive earlier wait in
 * order. Reading from the client pauses while the upstream is not writable.
 *
 * <p>The writer is also the listener of its own upstream writes (a failed write is an upstream
 * error), so a write allocates no listener.
 */
final class RequestWriter implements ChannelFutureListener {
    /** Methods whose replay after a lost connection cannot change the outcome (RFC 9110 §9.2.2). */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

    /** How much of the request the client has sent. */
    enum Input {
        /** Body parts are still to come. */
        RECEIVING,
        /** The whole request arrived. */
        COMPLETE,
        /**
         * The client's body framing broke (bad chunk size, oversized chunk line): the request never
         * completes upstream, and the codec can no longer find the next request, so the connection
         * closes after the answer.
         */
        MALFORMED
    }

    /** How much of the request went to the current upstream connection. */
    enum Output {
        /** Nothing was written yet. */
        WAITING,
        /** Written once to a connection that was lost, waiting for the replay (the head is written as a copy). */
        REWOUND,
        /** The head was written; body parts follow as they arrive. */
        HEAD_SENT,
        /** The whole request was written (the response timeout runs from then). */
        SENT
    }

    /** How the body travels. */
    enum Body {
        /** The client announced no body (no chunked framing, no positive Content-Length). */
        NONE,
        /** Streamed part by part (with the client's Content-Length, or chunked when rewritten or unknown). */
        STREAMED,
        /** Rewritten, buffered whole and sent with its final Content-Length. */
        BUFFERED,
        /** Buffered raw for the signer, which must see it whole, then sent with its Content-Length. */
        BUFFERED_FOR_SIGNING
    }

    private final Exchange x;
    private final Body body;
    /** The client's Content-Length, or -1. */
    private final long contentLength;
    /** The head as it goes upstream (its headers are replaced by the signer's when one signs). */
    private final HttpRequest head;
    /** Rewrites the body on its way upstream, or null. */
    private @Nullable BodyRewriter rewriter;
    /** Parts that arrived before the head could be sent (created on first use: most requests have none). */
    private @Nullable ArrayDeque<HttpContent> pending;
    /** The whole body while it is buffered (and kept after sending while a replay may need it). */
    private @Nullable ByteBuf buffered;
    private Input input;
    private Output output = Output.WAITING;
    /** Whether the head announced a body (chunked, or a Content-Length above 0). */
    private final boolean expectsBody;

    RequestWriter(Exchange x, HttpRequest req) {
        this.x = x;
        RequestHead fh = x.fwd.head();
        boolean full = req instanceof LastHttpContent;
        boolean hasBody = !full && (HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0);
        this.input = full ? Input.COMPLETE : Input.RECEIVING;
        this.expectsBody = hasBody;
        long contentLength = HttpUtil.getContentLength(req, -1L);
        this.contentLength = contentLength;
        RequestSigner sg = x.fwd.signer();
        boolean signBuffer = sg != null && hasBody && sg.needsBody();

        HttpHeaders h = new DefaultHttpHeaders();
        HopByHop.copyInto(fh.headers(), h);
        HopByHop.strip(h, false);
        h.set(HttpHeaderNames.HOST, x.target.authority().hostHeader(x.target.defaultPort()));
        h.remove(HttpHeaderNames.EXPECT);
        h.remove(HttpHeaderNames.TRAILER); // request trailers are dropped (see clientContent)
        if (!x.fwd.echoes().isEmpty()) {
            // the response will be scanned: ask only for codings the scan can decode
            String ae = h.get(HttpHeaderNames.ACCEPT_ENCODING);
            if (ae != null) {
                h.set(HttpHeaderNames.ACCEPT_ENCODING, ResponseScan.scannableAcceptEncoding(ae));
            }
        }
        BodyRewriter rw = x.fwd.body();
        Body b;
        if (hasBody) {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            if (signBuffer) {
                b = Body.BUFFERED_FOR_SIGNING; // Content-Length is set once the whole body is known and signed
            } else if (rw != null && contentLength >= 0 && contentLength <= x.px.config.maxBufferedBody()) {
                b = Body.BUFFERED; // Content-Length is set once the rewritten body is known
            } else {
                b = Body.STREAMED;
                if (rw == null && contentLength >= 0) {
                    h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
                } else {
                    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
        } else {
            b = Body.NONE;
            rw = null;
        }
        this.rewriter = rw;
        this.body = b;
        HttpMethod method = HttpMethod.valueOf(fh.method());
        this.head = hasBody
                ? new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, fh.pathAndQuery(), h)
                : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, fh.pathAndQuery(), Unpooled.EMPTY_BUFFER, h,
                        new DefaultHttpHeaders());
    }

    Body body() {
        return body;
    }

    Input input() {
        return input;
    }

    Output output() {
        return output;
    }

    long contentLength() {
        return contentLength;
    }

    /** Whether the body must be buffered whole before anything is written. */
    /** Whether body parts are to come (else only the empty last part follows the head). */
    boolean expectsBody() {
        return expectsBody;
    }

    boolean buffersWhole() {
        return body == Body.BUFFERED || body == Body.BUFFERED_FOR_SIGNING;
    }

    /** Whether the client's next body part belongs to this exchange (else the handler discards it). */
    boolean wantsBody() {
        return !x.isOver() && input == Input.RECEIVING;
    }

    boolean clientDone() {
        return input != Input.RECEIVING;
    }

    boolean headSent() {
        return output == Output.HEAD_SENT || output == Output.SENT;
    }

    /** The head the signer signs: exactly what goes upstream. */
    RequestHead headForSigning() {
        return new RequestHead(x.target.scheme(), x.target.host(), x.target.port(), head.method().name(), head.uri(),
                HopByHop.toHeaderList(head.headers()));
    }

    /** Writes what can be written: only once the send gate is open, the signature in place and a connection attached. */
    void maybeSend() {
        Channel up = x.link.channel();
        if (headSent() || x.isOver() || up == null || !x.gate.mayForward()) {
            return;
        }
        RequestSigning sg = x.signing;
        if (sg != null && !sg.signed()) {
            return;
        }
        if (buffersWhole() && input == Input.RECEIVING) {
            setClientRead(true);
            return;
        }
        boolean replay = output == Output.REWOUND;
        output = Output.HEAD_SENT;
        if (buffersWhole()) {
            ByteBuf whole = buffered == null ? Unpooled.EMPTY_BUFFER : buffered;
            // keep the body while a stale pooled connection may force one replay
            boolean keep = x.link.mayReplay() && IDEMPOTENT.contains(head.method().name());
            buffered = keep ? whole : null;
            head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(head, whole.readableBytes());
            writeUp(headToWrite(replay));
            writeUp(new DefaultLastHttpContent(keep ? whole.retainedDuplicate() : whole));
        } else {
            writeUp(headToWrite(replay));
            ArrayDeque<HttpContent> p = pending;
            if (p != null) {
                HttpContent c;
                while ((c = p.poll()) != null) {
                    writeUp(c);
                }
            }
        }
        up.flush();
        x.audit.sentUpstream();
        up.config().setAutoRead(true);
        updateClientRead();
    }

    /** The head as first written, or a copy when it is replayed (the encoder may consume what it wrote). */
    private HttpRequest headToWrite(boolean replay) {
        if (!replay) {
            return head;
        }
        if (head instanceof DefaultFullHttpRequest full) {
            return full.replace(Unpooled.EMPTY_BUFFER);
        }
        return new DefaultHttpRequest(head.protocolVersion(), head.method(), head.uri(), head.headers().copy());
    }

    private void writeUp(Object msg) {
        Channel up = x.link.channel();
        if (up == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof LastHttpContent || msg instanceof DefaultFullHttpRequest) {
            output = Output.SENT;
            x.relay.requestWritten();
        }
        up.write(msg).addListener(this);
    }

    /** A write upstream finished: a failure is an upstream error, unless the connection was given up for the replay. */
    @Override
    public void operationComplete(ChannelFuture f) {
        if (!f.isSuccess() && f.channel() == x.link.channel()) {
            x.upstreamError(f.cause());
        }
    }

    /**
     * A part of the request body from the client. Request trailers are dropped: a trailer field is a
     * header the policy never saw (an {@code Authorization} trailer would reach the upstream beside
     * the injected credential), and no API Keyway fronts needs them.
     */
    void clientContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            // Netty reports a broken chunk as an (empty) last part with a failed decoder result: it is
            // not the end of the body, and must never be written upstream as one.
            c.release();
            input = Input.MALFORMED;
            x.bodyMalformed();
            return;
        }
        boolean last = c instanceof LastHttpContent;
        if (last && !((LastHttpContent) c).trailingHeaders().isEmpty()) {
            c = new DefaultLastHttpContent(c.content()); // takes over the content; the trailers are dropped
        }
        int n = c.content().readableBytes();
        x.audit.countIn(n);
        if (last) {
            input = Input.COMPLETE;
        }
        switch (body) {
            case NONE -> {
                c.release();
                maybeSend();
            }
            case BUFFERED_FOR_SIGNING -> bufferForSigning(c, n, last);
            case BUFFERED, STREAMED -> relayContent(c, last);
        }
    }

    private void relayContent(HttpContent c, boolean last) {
        HttpContent out = c;
        BodyRewriter rw = rewriter;
        if (rw != null) {
            byte[] in = ByteBufUtil.getBytes(c.content());
            c.release();
            byte[] r;
            try {
                r = rewrite(rw, in, last);
            } catch (BodyRewriter.Refused refused) {
                x.fail(refused.problem());
                return;
            } catch (RuntimeException e) {
                x.fail(Problems.of(ErrorType.INTERNAL, "the request body could not be rewritten"));
                return;
            }
            if (body == Body.BUFFERED) {
                if (buffered == null) {
                    buffered = x.ctx.alloc().buffer(Math.max(r.length, 256));
                }
                buffered.writeBytes(r);
                if (last) {
                    maybeSend();
                }
                return;
            }
            if (!last && r.length == 0) {
                updateClientRead();
                return;
            }
            ByteBuf b = x.ctx.alloc().buffer(r.length).writeBytes(r);
            out = last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b);
        }
        if (headSent()) {
            writeUp(out);
            Channel up = x.link.channel();
            if (up != null) {
                up.flush();
            }
        } else {
            pending().add(out);
        }
        updateClientRead();
    }

    private ArrayDeque<HttpContent> pending() {
        ArrayDeque<HttpContent> p = pending;
        if (p == null) {
            p = new ArrayDeque<>(4);
            pending = p;
        }
        return p;
    }

    /** Buffers the body the signer needs whole, within the buffer limit; has it signed once it is complete. */
    private void bufferForSigning(HttpContent c, int n, boolean last) {
        int max = x.px.config.maxBufferedBody();
        if (buffered == null) {
            buffered = x.ctx.alloc().buffer(Math.max(256, (int) Math.min(max, Math.max(0, contentLength))));
        }
        if (buffered.readableBytes() + (long) n > max) {
            c.release();
            RequestSigning sg = x.signing;
            x.fail(sg == null ? Problems.of(ErrorType.PAYLOAD_TOO_LARGE, "the request body is larger than " + max + " bytes")
                    : sg.tooLarge(max));
            return;
        }
        buffered.writeBytes(c.content());
        c.release();
        if (last) {
            head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(head, buffered.readableBytes());
            RequestSigning sg = x.signing;
            if (sg != null) {
                sg.sign(ByteBufUtil.getBytes(buffered));
            }
        }
    }

    /** The signer's headers replace the head's (the signature covers exactly what is written). */
    void replaceHeaders(List<HttpHead.Header> signed) {
        HttpHeaders h = head.headers();
        h.clear();
        for (HttpHead.Header header : signed) {
            h.add(header.name(), header.value());
        }
    }

    /** The signer's request target replaces the head's (a signature carried in the query). */
    void replaceTarget(String pathAndQuery) {
        head.setUri(pathAndQuery);
    }

    /**
     * The signer, which saw the whole buffered body, rewrites it (a substitution that waited for a
     * linked credential's first fetch, behind the decoy scan): the rewritten body replaces the
     * buffered one and is sent with its own Content-Length ({@link #maybeSend}). False (and the
     * exchange failed, nothing forwarded) when the rewriter refuses or fails.
     */
    boolean rewriteBufferedBody(BodyRewriter rw) {
        ByteBuf b = buffered;
        byte[] in = b == null ? new byte[0] : ByteBufUtil.getBytes(b);
        byte[] out;
        try {
            out = rewrite(rw, in, true);
        } catch (BodyRewriter.Refused refused) {
            x.fail(refused.problem());
            return false;
        } catch (RuntimeException e) {
            x.fail(Problems.of(ErrorType.INTERNAL, "the request body could not be rewritten"));
            return false;
        }
        if (b != null) {
            b.release();
        }
        buffered = x.ctx.alloc().buffer(Math.max(1, out.length)).writeBytes(out);
        HttpUtil.setContentLength(head, out.length);
        return true;
    }

    /**
     * The signer re-signs a streamed body with a (length-preserving) rewriter, which also runs over
     * the parts that arrived while it was signing. False (and the exchange failed) when that rewrite fails.
     */
    boolean resignStreamedBody(BodyRewriter rw) {
        if (body == Body.NONE || body == Body.BUFFERED_FOR_SIGNING) {
            return true;
        }
        rewriter = rw;
        ArrayDeque<HttpContent> p = pending;
        if (p == null || p.isEmpty()) {
            return true;
        }
        ArrayDeque<HttpContent> raw = new ArrayDeque<>(p);
        p.clear();
        try {
            HttpContent c;
            while ((c = raw.poll()) != null) {
                boolean last = c instanceof LastHttpContent;
                byte[] in = ByteBufUtil.getBytes(c.content());
                c.release();
                byte[] out = rewrite(rw, in, last);
                ByteBuf b = x.ctx.alloc().buffer(Math.max(1, out.length)).writeBytes(out);
                p.add(last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b));
            }
            return true;
        } catch (RuntimeException e) {
            raw.forEach(HttpContent::release);
            x.fail(Problems.of(ErrorType.MALFORMED_REQUEST, "the request body could not be re-signed: " + e.getMessage()));
            return false;
        }
    }

    /** One step of a body rewrite: {@code update}, plus {@code finish} for the last part. */
    static byte[] rewrite(BodyRewriter rw, byte[] in, boolean last) {
        byte[] out = rw.update(in);
        return last ? concat(out, rw.finish()) : out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (b.length == 0) {
            return a;
        }
        if (a.length == 0) {
            return b;
        }
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /**
     * Reads from the client while the body can go somewhere: buffered, or upstream while it is
     * writable. Once the request is complete, reading is left on: the codec parses nothing more
     * until the response is written ({@link RequestSequencer}) and pauses reading itself only if a
     * pipelining client actually sends more ({@link ClientCodec}), so a keep-alive request costs no
     * {@code epoll_ctl} to stop and restart reading.
     */
    void updateClientRead() {
        if (x.isOver()) {
            return;
        }
        Channel up = x.link.channel();
        boolean want = input == Input.COMPLETE
                || input == Input.RECEIVING && (headSent() ? up != null && up.isWritable() : buffersWhole());
        setClientRead(want);
    }

    void setClientRead(boolean on) {
        x.ctx.channel().config().setAutoRead(on);
    }

    /**
     * Whether the request can be written again on a fresh connection: when nothing was sent yet, or
     * when the method is idempotent and the whole request can be written again (no body, or a body
     * that was buffered whole). A streamed body is gone once sent.
     */
    boolean replayable() {
        if (!headSent()) {
            return true;
        }
        return IDEMPOTENT.contains(head.method().name()) && (body == Body.NONE || (buffersWhole() && buffered != null));
    }

    /** Forgets what was sent, for a replay on a fresh connection. */
    void rewind() {
        if (output != Output.WAITING) {
            output = Output.REWOUND;
        }
    }

    /** The response began: a body kept for a replay that is no longer possible is released. */
    void dropReplayBody() {
        if (buffered != null && headSent()) {
            buffered.release();
            buffered = null;
        }
    }

    /** Releases every body part the exchange still holds. */
    void releaseBody() {
        ArrayDeque<HttpContent> p = pending;
        if (p != null) {
            HttpContent c;
            while ((c = p.poll()) != null) {
                c.release();
            }
        }
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}
