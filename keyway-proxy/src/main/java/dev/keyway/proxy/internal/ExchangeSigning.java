package dev.keyway.proxy.internal;

import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * The signing layer of an {@link Exchange} (see {@link ExchangeRecord} for why it is a layer): when
 * the policy forwards with a {@link RequestSigner} (AWS sign mode), the signature covers exactly
 * what is written upstream, so the signer sees the final head (and, when it needs the body, the
 * whole buffered body) and its headers replace the head's. Nothing is written until it answers; its
 * answer hops back onto the event loop. A signer that re-signs a streamed body returns a
 * length-preserving rewriter, which also runs over the parts that arrived while it was signing.
 */
abstract class ExchangeSigning extends ExchangeRequest {
    ExchangeSigning(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, HttpRequest req,
            RequestDecision.Forward fwd, String requestId, boolean clientKeepAlive) {
        super(owner, ctx, target, req, fwd, requestId, clientKeepAlive);
    }

    /** The problem for a body that must be signed but exceeds the buffer limit {@code max}. */
    private static ProxyProblem tooLarge(int max) {
        return Problems.of(ErrorType.PAYLOAD_TOO_LARGE, "this request must be signed over its body, which is larger than "
                + max + " bytes; send x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD) or a smaller body");
    }

    /**
     * Starts signing when the signature does not wait for a buffered body.
     *
     * @return false when the exchange already failed (a body declared too large to buffer for signing)
     */
    final boolean startSigning() {
        if (signBuffer && contentLength > px.config.maxBufferedBody()) {
            fail(tooLarge(px.config.maxBufferedBody()));
            return false;
        }
        RequestSigner signer = fwd.signer();
        if (signer != null && !signBuffer) {
            requestSignature(signer.needsBody() ? new byte[0] : null);
        }
        return true;
    }

    /** Buffers the body the signer needs whole, within the buffer limit; signs it once it is complete. */
    @Override
    final void bufferForSigning(HttpContent c, int n, boolean last) {
        int max = px.config.maxBufferedBody();
        if (buffered == null) {
            buffered = ctx.alloc().buffer(Math.max(256, (int) Math.min(max, Math.max(0, contentLength))));
        }
        if (buffered.readableBytes() + (long) n > max) {
            c.release();
            fail(tooLarge(max));
            return;
        }
        buffered.writeBytes(c.content());
        c.release();
        if (last) {
            upstreamHead.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(upstreamHead, buffered.readableBytes());
            requestSignature(ByteBufUtil.getBytes(buffered));
        }
    }

    /** Asks the signer for the final headers; nothing is written upstream until it answers. */
    private void requestSignature(byte @Nullable [] body) {
        RequestSigner sg = fwd.signer();
        if (sg == null) {
            return;
        }
        RequestHead sh = new RequestHead(target.scheme(), target.host(), target.port(), upstreamHead.method().name(),
                upstreamHead.uri(), HopByHop.toHeaderList(upstreamHead.headers()));
        EventLoop loop = ctx.channel().eventLoop();
        try {
            sg.sign(sh, body).whenComplete((r, err) -> loop.execute(() -> onSigned(r, err)));
        } catch (RuntimeException e) {
            onSigned(null, e);
        }
    }

    private void onSigned(RequestSigner.@Nullable Signed r, @Nullable Throwable err) {
        if (finished) {
            return;
        }
        if (err != null || r == null) {
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            fail(cause instanceof RequestSigner.Refused refused ? refused.problem()
                    : Problems.of(ErrorType.CREDENTIAL_UNAVAILABLE, "the request could not be signed"));
            return;
        }
        HttpHeaders h = upstreamHead.headers();
        h.clear();
        for (HttpHead.Header header : r.headers()) {
            h.add(header.name(), header.value());
        }
        if (r.body() != null && !signBuffer && hasBody) {
            rewriter = r.body();
            if (!rewritePending()) {
                return;
            }
        }
        signatureApplied();
    }

    /** Runs body parts that arrived before the signer answered through its (length-preserving) rewriter. */
    private boolean rewritePending() {
        BodyRewriter rw = rewriter;
        if (rw == null || pending.isEmpty()) {
            return true;
        }
        ArrayDeque<HttpContent> raw = new ArrayDeque<>(pending);
        pending.clear();
        try {
            HttpContent c;
            while ((c = raw.poll()) != null) {
                boolean last = c instanceof LastHttpContent;
                byte[] in = ByteBufUtil.getBytes(c.content());
                c.release();
                byte[] out = rewrite(rw, in, last);
                ByteBuf b = ctx.alloc().buffer(Math.max(1, out.length)).writeBytes(out);
                pending.add(last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b));
            }
            return true;
        } catch (RuntimeException e) {
            raw.forEach(HttpContent::release);
            fail(Problems.of(ErrorType.MALFORMED_REQUEST, "the request body could not be re-signed: " + e.getMessage()));
            return false;
        }
    }
}
