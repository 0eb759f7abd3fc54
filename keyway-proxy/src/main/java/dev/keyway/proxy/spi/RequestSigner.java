package dev.keyway.proxy.spi;

import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.inject.Redactions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Signs a request over exactly what the proxy writes upstream (AWS SigV4 sign mode: the agent's
 * placeholder signature is replaced by one made with credentials the agent never sees). The engine
 * calls {@link #sign} once per request with the final request head — after its own header changes
 * (hop-by-hop headers removed, {@code Host} set, {@code Expect} answered locally, {@code Content-Length}
 * fixed) — and, when {@link #needsBody()}, the complete body, which it buffers (up to
 * {@code maxBufferedBody}; larger bodies are refused with 413). Nothing is written upstream before
 * the returned future completes; the body is not read on while it is pending.
 *
 * <p>Implementations must not block: fetch credentials asynchronously. Complete the future
 * exceptionally with {@link Refused} to answer the client with a specific problem; any other
 * failure is answered 502 {@code credential-unavailable} with a generic message.
 *
 * <p>The same hook holds a request for as long as the future is pending without writing anything
 * upstream (a linked credential's first fetch, a human approval). When the exchange ends first (the
 * client went away, or it failed), the engine cancels the future it was given, so the implementation
 * can tell an abandoned wait from a completed one.
 */
public interface RequestSigner {
    /** True when the signature covers the body's hash, so the whole body must be buffered first. */
    boolean needsBody();

    /**
     * @param head the request as it will be sent (host and port are the tunnel target)
     * @param body the complete body when {@link #needsBody()} (empty when there is none), else null
     */
    CompletableFuture<Signed> sign(RequestHead head, byte @Nullable [] body);

    /**
     * True when the wait may be long (a human approval): the engine then dials the upstream only
     * after the future completed, instead of in parallel, so a held request keeps no upstream
     * connection open and an unreachable upstream is only reported for an approved request.
     */
    default boolean holds() {
        return false;
    }

    /**
     * The problem for a body that {@link #needsBody()} but exceeds the buffer limit {@code max}
     * (413; nothing is forwarded). The default speaks of AWS signing, the first user of the hook.
     */
    default ProxyProblem bodyTooLarge(int max) {
        return new ProxyProblem(dev.keyway.core.error.ErrorType.PAYLOAD_TOO_LARGE, "this request must be signed over its body,"
                + " which is larger than " + max + " bytes; send x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD) or a smaller body");
    }

    /**
     * The signing result.
     *
     * @param headers the complete header list to send instead of the head's
     * @param body a rewriter for the body, or null to send the body unchanged: for a streamed body
     *     (the signer does not {@link RequestSigner#needsBody()}) one that keeps its length exactly
     *     (e.g. re-signing aws-chunked chunk signatures); for the body a signer that needs it saw
     *     whole, any rewrite of it (a substitution that waited for a linked credential's first
     *     fetch), sent with the rewritten length
     * @param echoes values the signer placed into the request that the response is scanned for
     *     (a credential injected once it was fetched), or {@link Redactions#none()}
     * @param pathAndQuery the request target to send instead of the head's (a signature or a
     *     timestamp carried as a query parameter, e.g. Binance's {@code signature=}), or null to keep it;
     *     an origin-form target ({@code /...}) without whitespace or control characters
     */
    record Signed(List<HttpHead.Header> headers, @Nullable BodyRewriter body, Redactions echoes,
            @Nullable String pathAndQuery) {
        public Signed {
            headers = List.copyOf(headers);
            java.util.Objects.requireNonNull(echoes, "echoes");
            if (pathAndQuery != null && (!pathAndQuery.startsWith("/")
                    || pathAndQuery.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f))) {
                throw new IllegalArgumentException("a signed request target must be origin-form printable ASCII");
            }
        }

        /** A signature in the headers only. */
        public Signed(List<HttpHead.Header> headers, @Nullable BodyRewriter body, Redactions echoes) {
            this(headers, body, echoes, null);
        }

        /** A signature that placed no scannable value (AWS SigV4: the secret key never leaves). */
        public Signed(List<HttpHead.Header> headers, @Nullable BodyRewriter body) {
            this(headers, body, Redactions.none());
        }
    }

    /** A signing failure with the problem to answer the client with (never containing a secret). */
    final class Refused extends RuntimeException {
        private final ProxyProblem problem;

        public Refused(ProxyProblem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }

        public ProxyProblem problem() {
            return problem;
        }
    }
}
