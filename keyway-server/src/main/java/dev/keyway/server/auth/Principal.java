package dev.keyway.server.auth;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The authenticated caller of a control-plane request, with everything authorization needs.
 *
 * @param tokenId id of the presented token (never the token)
 * @param actor audit name: {@code local-admin}, {@code user:alice@example.com}, {@code agent:claude},
 *     {@code token:<display name>}
 * @param type token type: {@code admin}, {@code session}, {@code agent}, {@code scoped}, {@code approval}
 * @param subjectId the user or agent id behind the token, if any
 * @param owner true for the instance owner (and the break-glass admin token)
 * @param grants vault id → role
 * @param services service names the caller is restricted to, or null for all
 * @param expiresAt the token's expiry, or null
 * @param user true when a human (session or admin token) is behind the request
 */
public record Principal(
        String tokenId,
        String actor,
        String type,
        @Nullable String subjectId,
        boolean owner,
        Map<String, VaultRole> grants,
        @Nullable Set<String> services,
        @Nullable Instant expiresAt,
        boolean user) {
    public Principal {
        grants = Map.copyOf(grants);
        services = services == null ? null : Set.copyOf(services);
    }

    public boolean isAdmin() {
        return type.equals("admin");
    }
}
