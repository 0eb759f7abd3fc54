package dev.keyway.proxy.spi;

import dev.keyway.core.inject.Redactions;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** What to do with one request inside a tunnel (or one absolute-form http request). */
public sealed interface RequestDecision {

    /**
     * Forward the (possibly rewritten) request upstream.
     *
     * @param head the request to send: injected headers set, managed client headers stripped,
     *     placeholders substituted in path/query/headers. Host/port are unchanged from the input.
     * @param body a fresh rewriter for this request's body, or null to stream it unchanged
     * @param webSocketText a rewriter for client-to-server WebSocket text frames, or null
     * @param service name of the matched service, or null when no service matched (intercept mode)
     * @param credentials names of the credentials injected (never values); empty when none
     * @param signer signs (or holds) the request over what is written upstream, or null; a signer
     *     that {@linkplain RequestSigner#needsBody() needs the body} comes without {@code body} (it
     *     supplies any body rewriter itself); one that does not may come with a body rewriter, and
     *     then returns none of its own
     * @param echoes the values injected into this request, in every form sent, that the response
     *     is scanned for and redacted ({@link Redactions#none()} when nothing was injected or the
     *     service turned redaction off); the exchange wipes them when it ends
     */
    record Forward(
            RequestHead head,
            @Nullable BodyRewriter body,
            @Nullable TextRewriter webSocketText,
            @Nullable String service,
            List<String> credentials,
            @Nullable RequestSigner signer,
            Redactions echoes)
            implements RequestDecision {
        public Forward {
            credentials = List.copyOf(credentials);
            Objects.requireNonNull(echoes, "echoes");
            if (signer != null && body != null && signer.needsBody()) {
                throw new IllegalArgumentException("a signer that sees the body cannot be combined with a body rewriter");
            }
        }

        /** A forward whose response is not scanned. */
        public Forward(RequestHead head, @Nullable BodyRewriter body, @Nullable TextRewriter webSocketText,
                @Nullable String service, List<String> credentials, @Nullable RequestSigner signer) {
            this(head, body, webSocketText, service, credentials, signer, Redactions.none());
        }

        /** A forward without signing. */
        public Forward(RequestHead head, @Nullable BodyRewriter body, @Nullable TextRewriter webSocketText,
                @Nullable String service, List<String> credentials) {
            this(head, body, webSocketText, service, credentials, null);
        }

        /** True when a credential was placed into the request; its audit record must be durable first. */
        public boolean injected() {
            return !credentials.isEmpty();
        }
    }

    /** Answer the client with this problem; nothing goes upstream. */
    record Deny(ProxyProblem problem, @Nullable String service) implements RequestDecision {}
}
