package dev.keyway.core.keep;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.jspecify.annotations.Nullable;

/**
 * What a token store says about a token (its lookup view), in the terms the drift guard compares:
 * never the token itself. Keyway's tokens and Vault's tokens both map to it, so one
 * {@link KeepPolicy} decides for both.
 *
 * @param accessor the handle that revokes it without knowing it ({@code ""} when unknown)
 * @param type the store's token type ({@code scoped}, {@code session}; Vault {@code service}, {@code batch})
 * @param scope what the token may do, by name in comparison order (Keyway: {@code vault}, {@code role};
 *     Vault: {@code policies}); a name absent here is "none"
 * @param period the renewal period of a periodic token, {@code null} when it is not periodic
 */
public record TokenIdentity(String accessor, String type, String displayName, SequencedMap<String, String> scope,
        @Nullable Duration period, boolean revoked) {
    public TokenIdentity {
        scope = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(scope));
    }
}
