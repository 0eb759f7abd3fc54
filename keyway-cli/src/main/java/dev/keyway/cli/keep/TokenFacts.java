package dev.keyway.cli.keep;

import dev.keyway.core.time.Durations;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** What the server says about a token (its lookup view): never the token itself. */
public record TokenFacts(String id, String accessor, String type, String displayName, @Nullable String vault, @Nullable String role,
        @Nullable Duration period, @Nullable Instant expiresAt, @Nullable Instant maxExpiresAt, boolean revoked) {

    /** Parses a {@code /v1/tokens} view. */
    public static TokenFacts from(JsonNode n) {
        return new TokenFacts(n.path("id").asString(""), n.path("accessor").asString(""), n.path("type").asString(""),
                n.path("display_name").asString(""), text(n, "vault"), text(n, "role"),
                n.hasNonNull("period") ? Durations.parse("period", n.get("period").asString()) : null,
                n.hasNonNull("expires_at") ? Instant.parse(n.get("expires_at").asString()) : null,
                n.hasNonNull("max_expires_at") ? Instant.parse(n.get("max_expires_at").asString()) : null,
                n.path("revoked").asBoolean(false));
    }

    /** The drift guard's view of it: scope {@code vault} and {@code role}. */
    public dev.keyway.core.keep.TokenIdentity identity() {
        java.util.LinkedHashMap<String, String> scope = new java.util.LinkedHashMap<>();
        if (vault != null) {
            scope.put("vault", vault);
        }
        if (role != null) {
            scope.put("role", role);
        }
        return new dev.keyway.core.keep.TokenIdentity(accessor, type, displayName, scope, period, revoked);
    }

    private static @Nullable String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asString() : null;
    }
}
