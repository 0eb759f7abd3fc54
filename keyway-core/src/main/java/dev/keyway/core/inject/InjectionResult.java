package dev.keyway.core.inject;

import dev.keyway.core.error.ErrorType;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** What the {@link Injector} made of a request: the rewritten request, or why nothing may be sent. */
public sealed interface InjectionResult {

    /**
     * The request to forward.
     *
     * @param head the rewritten head: proxy headers and client copies of managed headers removed,
     *     injected headers set, placeholders substituted in headers, path and query
     * @param body a fresh streaming substitution for the request body, or null to send the body
     *     unchanged. When non-null the body length changes: the proxy must recompute {@code
     *     Content-Length} (buffering a small body) or switch to {@code Transfer-Encoding: chunked}.
     * @param webSocketText a substitution for client-to-server WebSocket text messages after the
     *     upgrade, or null
     * @param credentialsUsed names of credentials placed into the request (never values); a body or
     *     WebSocket substitution counts as use as soon as it is installed. Empty when nothing was
     *     injected
     * @param echoes every value placed into this request, in each form it was sent, for the
     *     response scan ({@link Redactions}); empty when nothing was injected. The holder wipes it
     *     when the exchange ends
     */
    record Applied(
            HttpHead head,
            @Nullable BodySubstitution body,
            @Nullable TextSubstitution webSocketText,
            List<String> credentialsUsed,
            Redactions echoes)
            implements InjectionResult {
        public Applied {
            Objects.requireNonNull(head, "head");
            Objects.requireNonNull(echoes, "echoes");
            credentialsUsed = List.copyOf(credentialsUsed);
        }

        /** Without echoes to scan for. */
        public Applied(HttpHead head, @Nullable BodySubstitution body, @Nullable TextSubstitution webSocketText,
                List<String> credentialsUsed) {
            this(head, body, webSocketText, credentialsUsed, Redactions.none());
        }

        /** True when a credential was placed into the request (its audit record must be durable first). */
        public boolean injected() {
            return !credentialsUsed.isEmpty();
        }
    }

    /**
     * Nothing may be forwarded; answer the client with this problem. The detail names credentials
     * and services, never values.
     */
    record Failed(ErrorType type, String detail) implements InjectionResult {
        public Failed {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
