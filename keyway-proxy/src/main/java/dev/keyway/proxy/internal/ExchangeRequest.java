package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
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
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The request-direction layer of an {@link Exchange} (see {@link ExchangeRecord} for why it is a
 * layer): the (injected) head rewritten for the upstream, and the body. The body streams upstream
 * chunk by chunk as the client sends it, rewritten on the way when the policy substitutes a value;
 * it is buffered whole instead when its final length must be known first (a rewritten body that
 * fits the buffer limit, or a body the signer of {@link ExchangeSigning} must see). Nothing is
 * written until the durable audit decision, the signature and the upstream connection are all
 * ready; chunks that arrive earlier wait in order. Reading from the client pauses while the
 * upstream is not writable.
 */
abstract class ExchangeRequest extends ExchangeUpstream {
    /** Methods whose replay after a lost connection cannot change the outcome (RFC 9110 §9.2.2). */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

    /** The client announced a body that follows the head (chunked, or a positive Content-Length). */
    final boolean hasBody;
    /** The head as it goes upstream (its headers are replaced by the signer's when one signs). */
    final HttpRequest upstreamHead;
    /** Rewrites the body on its way upstream, or null. */
    @Nullable BodyRewriter rewriter;
    /** The body is buffered whole and sent with its final Content-Length. */
    final boolean bufferForLength;
    /** The client's Content-Length, or -1. */
    final long contentLength;
    /** Parts that arrived before the head could be sent. */
    final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
    /** The whole body while it is buffered (and kept after sending while a replay may need it). */
    @Nullable ByteBuf buffered;
    /** The signer needs the whole body: it is buffered raw, then signed, then sent with its length. */
    final boolean signBuffer;
    /** The signature is in place (always true without a signer). */
    boolean signed;
    /** The durable audit decision is recorded (or none was needed). */
    boolean auditReady;
    /** The head was written to the current upstream connection. */
    boolean headSent;
    /** The client has sent the whole request. */
    boolean requestDone;
    /** The whole request was written upstream (the response timeout runs from then). */
    boolean requestSent;
    /** The request head was written at least once (a replay writes a copy). */
    private boolean headWritten;
    /**
     * The client's body framing broke (bad chunk size, oversized chunk line): the codec can no longer
     * find the next request, so the connection closes after the answer.
     */
    boolean framingBroken;

    ExchangeRequest(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, HttpRequest req,
            RequestDecision.Forward fwd, String requestId, boolean clientKeepAlive) {
        super(owner, ctx, target, fwd, requestId, clientKeepAlive, req.uri());
        RequestHead head = fwd.head();
        boolean full = req instanceof LastHttpContent;
        this.hasBody = !full && (HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0);
        this.requestDone = full;
        long contentLength = HttpUtil.getContentLength(req, -1L);
        this.contentLength = contentLength;
        RequestSigner sg = fwd.signer();
        this.signed = sg == null;
        this.signBuffer = sg != null && hasBody && sg.needsBody();

        HttpHeaders h = new DefaultHttpHeaders();
        HopByHop.copyInto(head.headers(), h);
        HopByHop.strip(h, false);
        h.set(HttpHeaderNames.HOST, target.authority().hostHeader(target.defaultPort()));
        h.remove(HttpHeaderNames.EXPECT);
        h.remove(HttpHeaderNames.TRAILER); // request trailers are dropped (see clientContent)
        BodyRewriter rw = fwd.body();
        boolean buffer = false;
        if (hasBody) {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            if (signBuffer) {
                buffer = true; // Content-Length is set once the whole body is known and signed
            } else if (rw != null && contentLength >= 0 && contentLength <= px.config.maxBufferedBody()) {
                buffer = true; // Content-Length is set once the rewritten body is known
            } else if (rw == null && contentLength >= 0) {
                h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else {
            rw = null;
        }
        this.rewriter = rw;
        this.bufferForLength = buffer;
        HttpMethod method = HttpMethod.valueOf(head.method());
        this.upstreamHead = hasBody
                ? new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, head.pathAndQuery(), h)
                : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, head.pathAndQuery(), Unpooled.EMPTY_BUFFER, h,
                        new DefaultHttpHeaders());
    }

    /** The whole request was written upstream: the response timeout starts. */
    abstract void requestWritten();

    /** A part of a body the signer needs whole (see {@link #signBuffer}); the layer above owns it. */
    abstract void bufferForSigning(HttpContent c, int n, boolean last);

    /** Whether the client's next body part belongs to this exchange (else the handler discards it). */
    boolean wantsRequestBody() {
        return !finished && !requestDone;
    }

    /** The durable audit decision of an injected request is recorded: the request may go. */
    final void auditRecorded() {
        auditReady = true;
        maybeSend();
    }

    /** The signer's answer is applied: the request may go. */
    final void signatureApplied() {
        signed = true;
        maybeSend();
    }

    @Override
    final void maybeSend() {
        Channel up = upstream;
        if (headSent || finished || up == null || !auditReady || !signed) {
            return;
        }
        if (bufferForLength && !requestDone) {
            setClientRead(true);
            return;
        }
        headSent = true;
        if (bufferForLength) {
            ByteBuf body = buffered == null ? Unpooled.EMPTY_BUFFER : buffered;
            // keep the body while a stale pooled connection may force one replay
            boolean keep = reused && !retried && IDEMPOTENT.contains(upstreamHead.method().name());
            buffered = keep ? body : null;
            upstreamHead.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(upstreamHead, body.readableBytes());
            writeUp(headToWrite());
            writeUp(new DefaultLastHttpContent(keep ? body.retainedDuplicate() : body));
        } else {
            writeUp(headToWrite());
            HttpContent c;
            while ((c = pending.poll()) != null) {
                writeUp(c);
            }
        }
        up.flush();
        up.config().setAutoRead(true);
        updateClientRead();
    }

    /** The head as first written, or a copy when it is replayed (the encoder may consume what it wrote). */
    private HttpRequest headToWrite() {
        if (!headWritten) {
            headWritten = true;
            return upstreamHead;
        }
        if (upstreamHead instanceof DefaultFullHttpRequest full) {
            return full.replace(Unpooled.EMPTY_BUFFER);
        }
        return new DefaultHttpRequest(upstreamHead.protocolVersion(), upstreamHead.method(), upstreamHead.uri(),
                upstreamHead.headers().copy());
    }

    private void writeUp(Object msg) {
        Channel up = upstream;
        if (up == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof LastHttpContent || msg instanceof DefaultFullHttpRequest) {
            requestSent = true;
            requestWritten();
        }
        up.write(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() && f.channel() == upstream) { // not a connection given up for a retry
                upstreamError(f.cause());
            }
        });
    }

    /** The client's body framing is malformed: the request must never complete upstream. */
    abstract void bodyMalformed();

    /**
     * A part of the request body from the client. Request trailers are dropped: a trailer field is a
     * header the policy never saw (an {@code Authorization} trailer would reach the upstream beside
     * the injected credential), and no API Keyway fronts needs them.
     */
    final void clientContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            // Netty reports a broken chunk as an (empty) last part with a failed decoder result: it is
            // not the end of the body, and must never be written upstream as one.
            c.release();
            requestDone = true;
            framingBroken = true;
            bodyMalformed();
            return;
        }
        boolean last = c instanceof LastHttpContent;
        if (last && !((LastHttpContent) c).trailingHeaders().isEmpty()) {
            c = new DefaultLastHttpContent(c.content()); // takes over the content; the trailers are dropped
        }
        int n = c.content().readableBytes();
        bytesIn += n;
        if (last) {
            requestDone = true;
        }
        if (!hasBody) {
            c.release();
            maybeSend();
            return;
        }
        if (signBuffer) {
            bufferForSigning(c, n, last);
            return;
        }
        HttpContent out = c;
        BodyRewriter rw = rewriter;
        if (rw != null) {
            byte[] in = ByteBufUtil.getBytes(c.content());
            c.release();
            byte[] r;
            try {
                r = rewrite(rw, in, last);
            } catch (RuntimeException e) {
                fail(Problems.of(ErrorType.INTERNAL, "the request body could not be rewritten"));
                return;
            }
            if (bufferForLength) {
                if (buffered == null) {
                    buffered = ctx.alloc().buffer(Math.max(r.length, 256));
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
            ByteBuf b = ctx.alloc().buffer(r.length).writeBytes(r);
            if (last) {
                out = new DefaultLastHttpContent(b);
            } else {
                out = new DefaultHttpContent(b);
            }
        }
        if (headSent) {
            writeUp(out);
            Channel up = upstream;
            if (up != null) {
                up.flush();
            }
        } else {
            pending.add(out);
        }
        updateClientRead();
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

    /** Reads from the client while the body can go somewhere: buffered, or upstream while it is writable. */
    final void updateClientRead() {
        if (finished) {
            return;
        }
        Channel up = upstream;
        boolean want = !requestDone && (headSent ? up != null && up.isWritable() : bufferForLength);
        setClientRead(want);
    }

    final void setClientRead(boolean on) {
        ctx.channel().config().setAutoRead(on);
    }

    @Override
    public final void upstreamWritabilityChanged(boolean writable) {
        updateClientRead();
    }

    /**
     * Whether the request can be written again on a fresh connection: when nothing was sent yet, or
     * when the method is idempotent and the whole request can be written again (no body, or a body
     * that was buffered whole). A streamed body is gone once sent.
     */
    final boolean requestReplayable() {
        if (!headSent) {
            return true;
        }
        return IDEMPOTENT.contains(upstreamHead.method().name()) && (!hasBody || (bufferForLength && buffered != null));
    }

    /** Forgets what was sent, for a replay on a fresh connection. */
    final void rewindRequest() {
        headSent = false;
        requestSent = false;
    }

    /** The response began: a body kept for a replay that is no longer possible is released. */
    final void dropReplayBody() {
        if (buffered != null && headSent) {
            buffered.release();
            buffered = null;
        }
    }

    /** Releases every body part the exchange still holds. */
    final void releaseBody() {
        HttpContent c;
        while ((c = pending.poll()) != null) {
            c.release();
        }
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}
