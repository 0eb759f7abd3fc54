package dev.keyway.server.api;

import org.jspecify.annotations.Nullable;

/**
 * The authenticated caller of a control-plane request.
 *
 * @param actor audit name, e.g. {@code local-admin}
 * @param type token type ({@code admin}, {@code scoped}, ...)
 * @param vaultId the vault a scoped token is bound to, else null
 */
public record Principal(String tokenId, String actor, String type, @Nullable String vaultId) {
    public boolean isAdmin() {
        return type.equals("admin");
    }
}
