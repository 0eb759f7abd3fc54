package dev.keyway.server.api;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.Durations;
import dev.keyway.server.TokenService;
import dev.keyway.server.VaultService;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Json;
import dev.keyway.server.http.Router;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** {@code /v1/tokens}: mint vault-bound proxy tokens, list them (never the token itself), revoke. */
public final class TokenRoutes {
    private final TokenService tokens;
    private final VaultService vaults;
    private final ApiAuth auth;
    private final AuditTrail trail;

    public TokenRoutes(TokenService tokens, VaultService vaults, ApiAuth auth, AuditTrail trail) {
        this.tokens = tokens;
        this.vaults = vaults;
        this.auth = auth;
        this.trail = trail;
    }

    public record CreateToken(String vault, @Nullable String ttl, @Nullable String displayName) {}

    /** Returned once at creation; {@code token} is never retrievable again. */
    public record Created(String token, String id, String accessor, String vault, @Nullable Instant expiresAt) {
        @Override
        public String toString() {
            return "Created[id=" + id + "]";
        }
    }

    public record TokenView(String id, String accessor, String type, @Nullable String vault, @Nullable String role,
            String displayName, String createdBy, Instant createdAt, @Nullable Instant expiresAt,
            @Nullable Instant lastUsedAt, boolean revoked) {}

    public void routes(Router r) {
        r.post("/v1/tokens", this::create);
        r.get("/v1/tokens", this::list);
        r.get("/v1/tokens/{id}", req -> {
            auth.requireAdmin(req);
            return ApiResponse.ok(view(tokens.find(req.param("id")), vaultNames()));
        });
        r.delete("/v1/tokens/{id}", this::revoke);
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.requireAdmin(req);
        CreateToken body = Json.read(req.body(), CreateToken.class);
        if (body.vault() == null) {
            throw KeywayException.validation("vault", "field 'vault' is required");
        }
        VaultRecord v = vaults.get(body.vault());
        Duration ttl = body.ttl() == null ? TokenService.DEFAULT_TTL : Durations.parse("ttl", body.ttl());
        TokenService.Issued t = tokens.mintScoped(v, ttl, body.displayName(), p.actor());
        trail.record(p, "token.create", v.name(), Map.of("token_id", t.record().id(), "ttl", Durations.format(ttl)));
        return ApiResponse.created(new Created(t.token(), t.record().id(), t.record().accessor(), v.name(), t.record().expiresAt()));
    }

    private ApiResponse list(ApiRequest req) {
        auth.requireAdmin(req);
        String vault = req.queryParam("vault");
        String vaultId = vault == null ? null : vaults.get(vault).id();
        Map<String, String> names = vaultNames();
        List<TokenView> list = tokens.list(vaultId).stream().map(t -> view(t, names)).toList();
        return ApiResponse.ok(Map.of("tokens", list));
    }

    private ApiResponse revoke(ApiRequest req) {
        Principal p = auth.requireAdmin(req);
        TokenRecord t = tokens.revoke(req.param("id"));
        trail.record(p, "token.revoke", t.vaultId() == null ? "" : vaultNames().getOrDefault(t.vaultId(), ""),
                Map.of("token_id", t.id()));
        return ApiResponse.ok(view(t, vaultNames()));
    }

    private Map<String, String> vaultNames() {
        Map<String, String> m = new HashMap<>();
        vaults.list().forEach(v -> m.put(v.id(), v.name()));
        return m;
    }

    private static TokenView view(TokenRecord t, Map<String, String> vaultNames) {
        return new TokenView(t.id(), t.accessor(), t.type(), t.vaultId() == null ? null : vaultNames.get(t.vaultId()),
                t.role(), t.displayName(), t.createdBy(), t.createdAt(), t.expiresAt(), t.lastUsedAt(), t.revoked());
    }
}
