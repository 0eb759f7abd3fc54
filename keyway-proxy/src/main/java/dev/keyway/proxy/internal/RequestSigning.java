package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.BodyRewriter;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestSigner;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * The signing part of an {@link Exchange}, present only when the policy forwards with a
 * {@link RequestSigner} (AWS sign mode): the signature covers exactly what is written upstream, so
 * the signer sees the final head (and, when it needs the body, the whole body the
 * {@link RequestWriter} buffered) and its headers replace the head's. The writer writes nothing
 * until {@link #signed()}; the signer's answer hops back onto the event loop. A signer that re-signs
 * a streamed body returns a length-preserving rewriter, which the writer also runs over the parts
 * that arrived while it was signing. A signer that saw the whole buffered body may rewrite it to any
 * length (a substitution that waited for a linked credential's first fetch): the writer sends the
 * rewritten body with its own Content-Length.
 */
final class RequestSigning {
    /** Where the signature stands. */
    enum State {
        /** Waiting for the whole body the signer must see (buffered by the writer). */
        AWAITING_BODY,
        /** The signer was asked and has not answered yet. */
        SIGNING,
        /** The signer's headers are in place: the request may be written. */
        SIGNED,
        /** The signer refused or failed: the exchange failed. */
        FAILED
    }

    private final Exchange x;
    private final RequestSigner signer;
    private State state = State.AWAITING_BODY;
    /** The signer's future while it has not answered (cancelled when the exchange ends first). */
    private @Nullable CompletableFuture<RequestSigner.Signed> pending;

    RequestSigning(Exchange x, RequestSigner signer) {
        this.x = x;
        this.signer = signer;
    }

    State state() {
        return state;
    }

    /** Whether the signer may hold the request for long, so the upstream is dialed only after it answered. */
    boolean holds() {
        return signer.holds();
    }

    boolean signed() {
        return state == State.SIGNED;
    }

    /** The signer's problem for a body that must be signed (or held) but exceeds the buffer limit {@code max}. */
    ProxyProblem tooLarge(int max) {
        return signer.bodyTooLarge(max);
    }

    /**
     * The exchange ended (client gone, or failed) while the signer had not answered: the future it
     * returned is cancelled, so a signer that holds the request (an approval) learns that nobody waits.
     */
    void abandon() {
        CompletableFuture<RequestSigner.Signed> f = pending;
        pending = null;
        if (f != null && !f.isDone()) {
            f.cancel(false);
        }
    }

    /**
     * Starts signing when the signature does not wait for a buffered body.
     *
     * @return false when the exchange already failed (a body declared too large to buffer for signing)
     */
    boolean start() {
        RequestWriter w = x.writer;
        boolean waitsForBody = w.body() == RequestWriter.Body.BUFFERED_FOR_SIGNING;
        if (waitsForBody && w.contentLength() > x.px.config.maxBufferedBody()) {
            x.fail(tooLarge(x.px.config.maxBufferedBody()));
            return false;
        }
        if (!waitsForBody) {
            sign(signer.needsBody() ? new byte[0] : null);
        }
        return true;
    }

    /** Asks the signer for the final headers (over {@code body} when it needs it); nothing is written until it answers. */
    void sign(byte @Nullable [] body) {
        state = State.SIGNING;
        EventLoop loop = x.ctx.channel().eventLoop();
        try {
            CompletableFuture<RequestSigner.Signed> f = signer.sign(x.writer.headForSigning(), body);
            pending = f;
            f.whenComplete((r, err) -> loop.execute(() -> onSigned(r, err)));
        } catch (RuntimeException e) {
            onSigned(null, e);
        }
    }

    /** The problem for a signer's failure: its own when it refused, else a generic 502 that names no secret. */
    static ProxyProblem problemOf(@Nullable Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        return cause instanceof RequestSigner.Refused refused ? refused.problem()
                : Problems.of(ErrorType.CREDENTIAL_UNAVAILABLE, "the request could not be signed");
    }

    private void onSigned(RequestSigner.@Nullable Signed r, @Nullable Throwable err) {
        pending = null;
        if (x.isOver()) {
            if (r != null) {
                r.echoes().close();
            }
            return;
        }
        if (err != null || r == null) {
            state = State.FAILED;
            x.fail(problemOf(err));
            return;
        }
        x.relay.scanFor(r.echoes());
        RequestWriter w = x.writer;
        w.replaceHeaders(r.headers());
        if (r.pathAndQuery() != null) {
            w.replaceTarget(r.pathAndQuery());
        }
        if (r.body() != null && x.fwd.body() != null) {
            state = State.FAILED; // two rewriters for one body: refuse rather than pick one
            x.fail(Problems.of(ErrorType.INTERNAL, "the request body could not be rewritten"));
            return;
        }
        BodyRewriter rb = r.body();
        if (rb != null && !(w.body() == RequestWriter.Body.BUFFERED_FOR_SIGNING ? w.rewriteBufferedBody(rb)
                : w.resignStreamedBody(rb))) {
            state = State.FAILED;
            return;
        }
        state = State.SIGNED;
        if (holds()) {
            x.link.acquire(); // not dialed while held (Exchange.start)
        }
        w.maybeSend();
    }
}
