package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.time.Durations;
import dev.keyway.server.TokenService;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/tokens}: mint vault-bound proxy tokens; look up, renew and revoke any token by the
 * token itself, its id or its accessor. Listings show accessors, never tokens.
 */
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

    public record CreateToken(@Nullable String vault, @Nullable String ttl, @Nullable String period, @Nullable String maxTtl,
            @Nullable String displayName, @Nullable List<String> services) {}

    /** Identifies a token for lookup/renew/revoke: exactly one of the token itself or its accessor (or id). */
    public record TokenRef(@Nullable String token, @Nullable String accessor, @Nullable String increment) {
        @Override
        public String toString() {
            return "TokenRef[accessor=" + accessor + "]";
        }
    }

    public record Renew(@Nullable String increment) {}

    /** Returned once at creation; {@code token} is never retrievable again. */
    public record Created(String token, String id, String accessor, @Nullable String vault, @Nullable Instant expiresAt,
            @Nullable String period, @Nullable List<String> services) {
        @Override
        public String toString() {
            return "Created[id=" + id + "]";
        }
    }

    public record TokenView(String id, String accessor, String type, @Nullable String vault, @Nullable String role,
            String displayName, String createdBy, Instant createdAt, @Nullable Instant expiresAt, @Nullable String period,
            @Nullable Instant maxExpiresAt, @Nullable Instant lastUsedAt, boolean revoked, @Nullable List<String> services,
            @Nullable String parentId) {}

    public void routes(Router r) {
        r.post("/v1/tokens", RouteAccess.AUTHENTICATED, this::create);
        r.get("/v1/tokens", RouteAccess.AUTHENTICATED, this::list);
        r.get("/v1/tokens/accessors", RouteAccess.OWNER, req -> {
            Principal p = auth.authenticate(req);
            dev.keyway.server.auth.Access.requireOwner(p);
            return ApiResponse.ok(Map.of("accessors", tokens.list(null).stream().map(TokenRecord::accessor).toList()));
        });
        r.get("/v1/tokens/lookup-self", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return ApiResponse.ok(view(tokens.find(p.tokenId()), vaultNames()));
        });
        r.post("/v1/tokens/lookup", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return ApiResponse.ok(view(resolve(p, req.json(TokenRef.class)), vaultNames()));
        });
        r.post("/v1/tokens/renew-self", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            Renew body = req.body().length == 0 ? new Renew(null) : req.json(Renew.class);
            TokenRecord t = tokens.renew(tokens.find(p.tokenId()), increment(body.increment()));
            trail.record(p, "token.renew", "", Map.of("token_id", t.id()));
            return ApiResponse.ok(view(t, vaultNames()));
        });
        r.post("/v1/tokens/renew", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            TokenRef ref = req.json(TokenRef.class);
            TokenRecord t = tokens.renew(resolve(p, ref), increment(ref.increment()));
            trail.record(p, "token.renew", "", Map.of("token_id", t.id()));
            return ApiResponse.ok(view(t, vaultNames()));
        });
        r.post("/v1/tokens/revoke", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return revoke(p, resolve(p, req.json(TokenRef.class)));
        });
        r.post("/v1/tokens/revoke-self", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return revoke(p, tokens.find(p.tokenId()));
        });
        r.get("/v1/tokens/{id}", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return ApiResponse.ok(view(managed(p, tokens.find(req.param("id"))), vaultNames()));
        });
        r.delete("/v1/tokens/{id}", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return revoke(p, tokens.find(req.param("id")));
        });
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.authenticate(req);
        CreateToken body = req.json(CreateToken.class);
        String vaultName = body.vault();
        if (vaultName == null) {
            vaultName = p.grants().size() == 1 ? vaults.list().stream().filter(v -> p.grants().containsKey(v.id()))
                    .map(VaultRecord::name).findFirst().orElse(null) : "default";
        }
        if (vaultName == null) {
            throw KeywayException.validation("vault", "name the vault the token is for (this principal has no vault to default to)");
        }
        VaultRecord v = vaults.get(vaultName);
        TokenService.Lifetime life = new TokenService.Lifetime(
                body.ttl() == null ? null : Durations.parse("ttl", body.ttl()),
                body.period() == null ? null : Durations.parse("period", body.period()),
                body.maxTtl() == null ? null : Durations.parse("max_ttl", body.maxTtl()));
        Set<String> services = body.services() == null ? null : new LinkedHashSet<>(body.services());
        if (services != null && services.isEmpty()) {
            throw KeywayException.validation("services", "services must not be empty; omit it to allow all services");
        }
        TokenService.Issued t = tokens.mintScoped(p, v, life, body.displayName(), services);
        trail.record(p, "token.create", v.name(), Map.of("token_id", t.record().id(), "accessor", t.record().accessor()));
        TokenRecord rec = t.record();
        return ApiResponse.created(new Created(t.token(), rec.id(), rec.accessor(), v.name(), rec.expiresAt(),
                rec.period() == null ? null : Durations.format(rec.period()),
                rec.services() == null ? null : List.of(rec.services().split(","))));
    }

    private ApiResponse list(ApiRequest req) {
        Principal p = auth.authenticate(req);
        String vault = req.queryParam("vault");
        String vaultId = vault == null ? null : vaults.get(vault).id();
        Map<String, String> names = vaultNames();
        List<TokenView> list = tokens.list(vaultId).stream().filter(t -> TokenService.manages(p, t)).map(t -> view(t, names)).toList();
        return ApiResponse.ok(Map.of("tokens", list));
    }

    private ApiResponse revoke(Principal p, TokenRecord t) {
        managed(p, t);
        TokenRecord r = tokens.revoke(t);
        trail.record(p, "token.revoke", r.vaultId() == null ? "" : vaultNames().getOrDefault(r.vaultId(), ""),
                Map.of("token_id", r.id(), "accessor", r.accessor()));
        return ApiResponse.ok(view(r, vaultNames()));
    }

    private TokenRecord resolve(Principal p, TokenRef ref) {
        if ((ref.token() == null) == (ref.accessor() == null)) {
            throw KeywayException.validation("token", "give exactly one of 'token' or 'accessor'");
        }
        TokenRecord t = ref.token() != null ? tokens.findByToken(ref.token()) : tokens.find(ref.accessor());
        return ref.token() != null ? t : managed(p, t);
    }

    private static TokenRecord managed(Principal p, TokenRecord t) {
        if (!TokenService.manages(p, t)) {
            throw new KeywayException(ErrorType.FORBIDDEN, p.actor() + " may not manage token " + t.id());
        }
        return t;
    }

    private static @Nullable Duration increment(@Nullable String s) {
        return s == null ? null : Durations.parse("increment", s);
    }

    private Map<String, String> vaultNames() {
        Map<String, String> m = new HashMap<>();
        vaults.list().forEach(v -> m.put(v.id(), v.name()));
        return m;
    }

    static TokenView view(TokenRecord t, Map<String, String> vaultNames) {
        return new TokenView(t.id(), t.accessor(), t.type(), t.vaultId() == null ? null : vaultNames.get(t.vaultId()),
                t.role(), t.displayName(), t.createdBy(), t.createdAt(), t.expiresAt(),
                t.period() == null ? null : Durations.format(t.period()), t.maxExpiresAt(), t.lastUsedAt(), t.revoked(),
                t.services() == null ? null : List.of(t.services().split(",")), t.parentId());
    }
}
