package dev.keyway.store.jdbc;

import dev.keyway.core.error.KeywayException;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The closed vocabularies the schema's {@code CHECK} constraints enforce, checked before writing so
 * a bad value is a 400 {@code validation} error rather than a database failure (503).
 */
final class Values {
    static final List<String> USER_ROLES = List.of("owner", "member");
    static final List<String> GRANT_ROLES = List.of("proxy", "member", "admin");
    static final List<String> PROPOSAL_STATUSES = List.of("pending", "approved", "rejected", "expired");
    static final List<String> WEBHOOK_FORMATS = List.of("json", "slack");
    static final List<String> AWS_MODES = List.of("credential-process", "sign");

    private Values() {}

    /** VALIDATION unless {@code value} is one of {@code allowed}. */
    static void requireOneOf(String field, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw KeywayException.validation(field, field + " must be one of " + String.join(", ", allowed)
                    + ", not '" + value + "'");
        }
    }

    /** {@code t} as the database keeps it (epoch milliseconds), so a returned record equals its re-read. */
    static @Nullable Instant millis(@Nullable Instant t) {
        return t == null ? null : millisOf(t);
    }

    /** The non-null form of {@link #millis}. */
    static Instant millisOf(Instant t) {
        return Instant.ofEpochMilli(t.toEpochMilli());
    }
}
