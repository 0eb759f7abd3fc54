package dev.keyway.store;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A stored token. The token itself is never stored, only {@code hash} (SHA-256 of the token
 * string). {@code accessor} is a non-secret handle for lookup and revocation.
 *
 * @param type {@code admin}, {@code session}, {@code agent}, {@code scoped} or {@code approval}
 * @param vaultId the vault a scoped token is bound to, or null
 * @param role vault role for scoped tokens (e.g. {@code proxy}), or null
 * @param services comma-separated service names the token is restricted to, or null for all
 * @param period for periodic tokens: renewing extends expiry by this much
 * @param parentId the token that minted this one, or null
 * @param subject the user or agent id the token belongs to (sessions, agent tokens, tokens they mint), or null
 */
public record TokenRecord(
        String id,
        String accessor,
        byte[] hash,
        String type,
        @Nullable String vaultId,
        @Nullable String role,
        String displayName,
        String createdBy,
        Instant createdAt,
        @Nullable Instant expiresAt,
        @Nullable Duration period,
        @Nullable Instant maxExpiresAt,
        @Nullable Instant lastUsedAt,
        boolean revoked,
        @Nullable String services,
        @Nullable String parentId,
        @Nullable String subject) {
    @Override
    public String toString() {
        return "TokenRecord[id=" + id + ", accessor=" + accessor + ", type=" + type + ", vaultId=" + vaultId
                + ", displayName=" + displayName + ", revoked=" + revoked + "]";
    }
}
