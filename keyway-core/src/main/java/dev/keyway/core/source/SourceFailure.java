package dev.keyway.core.source;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Why a fetch failed, as one of a few precise kinds the cache and the operator act on. The message
 * says what failed (status, path, reason) and never contains a secret value or credential.
 */
public final class SourceFailure extends Exception {
    /** What went wrong; {@link #THROTTLED} carries the store's retry-after when it gave one. */
    public enum Kind {
        /** The store refused our credentials (401/403, bad token, denied policy). */
        AUTH("authentication failed"),
        /** The reference does not exist in the store. */
        NOT_FOUND("not found"),
        /** The store asked us to slow down (429, ThrottlingException). */
        THROTTLED("throttled"),
        /** The store is down, sealed, timed out or answered 5xx. */
        UNAVAILABLE("unavailable"),
        /** The TLS handshake with the store failed (untrusted certificate, wrong name). */
        TLS("TLS failure"),
        /** The store answered, but the value is unusable (empty, too large, not the expected shape). */
        BAD_VALUE("unusable value"),
        /** The reference's syntax is wrong for this store type. */
        BAD_REF("bad reference"),
        /**
         * The store refused what this request asks for, for good, while the credential itself is
         * fine (GitHub's 422 for a per-run narrowing beyond the installation): retrying the same
         * cannot help, so requests get 502 {@code credential-unavailable}, not the retryable 503.
         */
        REFUSED("refused");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final Kind kind;
    private final @Nullable Duration retryAfter;

    public SourceFailure(Kind kind, String message) {
        this(kind, message, null);
    }

    public SourceFailure(Kind kind, String message, @Nullable Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The store's requested wait before the next attempt, when it gave one. */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }

    /** "kind: message", for problem details, logs and {@code source test}. */
    public String describe() {
        return kind.label + ": " + getMessage();
    }
}
