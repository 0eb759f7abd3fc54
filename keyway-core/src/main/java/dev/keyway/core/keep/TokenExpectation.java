package dev.keyway.core.keep;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.jspecify.annotations.Nullable;

/**
 * The token a keeper should hold. A token is ours exactly when it matches every stated field;
 * a field left {@code null} is not compared (a Vault source that pinned only the policies).
 *
 * @param type the token type ours has ({@code scoped} for Keyway, {@code service} for Vault)
 * @param displayName the display name ours has, or {@code null}: any
 * @param scope the scope ours has, compared name by name in this order
 * @param period the period ours has, or {@code null}: not compared
 */
public record TokenExpectation(String type, @Nullable String displayName, SequencedMap<String, String> scope,
        @Nullable Duration period) {
    public TokenExpectation {
        scope = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(scope));
    }

    /** The same expectation with a display name (the one a keeper gives the tokens it mints). */
    public TokenExpectation named(String name) {
        return new TokenExpectation(type, name, scope, period);
    }

    /** The same expectation with a period. */
    public TokenExpectation withPeriod(Duration p) {
        return new TokenExpectation(type, displayName, scope, p);
    }
}
