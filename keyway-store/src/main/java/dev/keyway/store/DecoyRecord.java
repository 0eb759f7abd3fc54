package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A decoy credential: a planted value, shaped like a real key, handed to agents like a placeholder
 * and bound to no service, so a request carrying it is an alarm. The value is bait, not a secret,
 * but {@code toString()} leaves it out so it never reaches a log.
 *
 * @param like the catalog template whose shape the value imitates, or null
 * @param revokeOnUse whether the token that uses it is revoked at once
 */
public record DecoyRecord(
        String vaultId,
        String name,
        String value,
        @Nullable String like,
        boolean revokeOnUse,
        Instant createdAt,
        String createdBy) {

    @Override
    public String toString() {
        return "DecoyRecord[vaultId=" + vaultId + ", name=" + name + ", like=" + like + ", revokeOnUse=" + revokeOnUse + "]";
    }
}
