package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Names;
import dev.keyway.core.time.Durations;
import dev.keyway.server.TokenService;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.GrantRecord;
import dev.keyway.store.Store;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/agents}: non-human identities with vault roles and an optional service subset.
 * Creating or rotating an agent returns its token exactly once. Revoking keeps the agent (disabled)
 * and kills its tokens; deleting removes it, its grants and its tokens.
 */
public final class AgentRoutes {
    private final Store store;
    private final VaultService vaults;
    private final TokenService tokens;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final Runnable onChange;

    public AgentRoutes(Store store, VaultService vaults, TokenService tokens, ApiAuth auth, AuditTrail trail, Runnable onChange) {
        this.store = store;
        this.vaults = vaults;
        this.tokens = tokens;
        this.auth = auth;
        this.trail = trail;
        this.onChange = onChange;
    }

    public record Grant(String vault, @Nullable String role) {}

    public record CreateAgent(@Nullable String name, @Nullable List<Grant> vaults, @Nullable List<String> services,
            @Nullable String ttl, @Nullable String period) {}

    public record Rotate(@Nullable String ttl, @Nullable String period) {}

    /** Body of {@code PUT /v1/agents/{name}/services}: the new subset, or {@code null} for all services. */
    public record SetServices(@Nullable List<String> services) {}

    public void routes(Router r) {
        r.post("/v1/agents", RouteAccess.AUTHENTICATED, this::create);
        r.get("/v1/agents", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            List<Map<String, Object>> out = new ArrayList<>();
            for (AgentRecord a : store.listAgents()) {
                if (p.owner() || administers(p, a)) {
                    out.add(view(a));
                }
            }
            return ApiResponse.ok(Map.of("agents", out));
        });
        r.get("/v1/agents/{name}", RouteAccess.AUTHENTICATED, req -> ApiResponse.ok(view(managed(auth.authenticate(req), req.param("name")))));
        r.post("/v1/agents/{name}/rotate", RouteAccess.AUTHENTICATED, this::rotate);
        r.put("/v1/agents/{name}/services", RouteAccess.AUTHENTICATED, this::setServices);
        r.post("/v1/agents/{name}/revoke", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            AgentRecord a = managed(p, req.param("name"));
            store.setAgentRevoked(a.id(), true);
            int n = store.revokeTokensOfSubject(a.id());
            onChange.run();
            trail.record(p, "agent.revoke", "", Map.of("agent", a.name(), "tokens_revoked", n));
            return ApiResponse.ok(view(store.agentById(a.id()).orElseThrow()));
        });
        r.delete("/v1/agents/{name}", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            AgentRecord a = managed(p, req.param("name"));
            store.deleteAgent(a.id());
            onChange.run();
            trail.record(p, "agent.delete", "", Map.of("agent", a.name()));
            return ApiResponse.noContent();
        });
    }

    private ApiResponse create(ApiRequest req) {
        Principal p = auth.authenticate(req);
        if (!p.user()) {
            throw new KeywayException(ErrorType.FORBIDDEN, "only users (or the local admin token) can create agents");
        }
        CreateAgent body = req.json(CreateAgent.class);
        String agentName = body.name();
        if (agentName == null || !Names.AGENT_NAME.matcher(agentName).matches()) {
            throw KeywayException.validation("name", "agent name: 1-63 lower-case letters, digits, '.', '_' or '-'");
        }
        if (body.vaults() == null || body.vaults().isEmpty()) {
            throw KeywayException.validation("vaults", "give at least one vault grant, e.g. --vault default or --vault default:member");
        }
        Map<VaultRecord, VaultRole> grants = new LinkedHashMap<>();
        for (Grant g : body.vaults()) {
            VaultRecord v = vaults.get(g.vault());
            Access.require(p, v.id(), v.name(), VaultRole.ADMIN);
            grants.put(v, VaultRole.parse(g.role() == null ? "proxy" : g.role()));
        }
        String services = serviceList(body.services());
        TokenService.Lifetime life = lifetime(body.ttl(), body.period());
        String svc = services;
        TokenService.Issued issued = store.atomically(st -> {
            AgentRecord a = st.createAgent(agentName, svc, p.actor());
            grants.forEach((v, role) -> st.setGrant(a.id(), v.id(), role.wire()));
            return tokens.mintAgent(a.id(), a.name(), life, p.actor());
        });
        onChange.run();
        AgentRecord a = store.agentByName(agentName).orElseThrow();
        trail.record(p, "agent.create", "", Map.of("agent", a.name(), "grants", grants.entrySet().stream()
                .map(e -> e.getKey().name() + ":" + e.getValue().wire()).toList()));
        return ApiResponse.created(withToken(a, issued));
    }

    /**
     * Widens or narrows an existing agent's services without a new token: the agent's own token
     * follows at once, because principals read the agent's subset live; tokens it minted are
     * intersected with it, so narrowing reaches them too.
     */
    private ApiResponse setServices(ApiRequest req) {
        Principal p = auth.authenticate(req);
        AgentRecord a = managed(p, req.param("name"));
        SetServices body = req.json(SetServices.class);
        // fail closed: a body without "services" (e.g. {} or a typo) must not lift the restriction
        if (!req.json(Map.class).containsKey("services")) {
            throw KeywayException.validation("services", "give 'services': a list of service names, or null for all services");
        }
        String services = serviceList(body.services());
        store.setAgentServices(a.id(), services);
        onChange.run();
        trail.record(p, "agent.set-services", "", Map.of("agent", a.name(),
                "services", services == null ? "all" : services, "before", a.services() == null ? "all" : a.services()));
        return ApiResponse.ok(view(store.agentById(a.id()).orElseThrow()));
    }

    /** A validated, de-duplicated comma-joined subset; null (all services) when the list is null. */
    private static @Nullable String serviceList(@Nullable List<String> services) {
        if (services == null) {
            return null;
        }
        if (services.isEmpty()) {
            throw KeywayException.validation("services", "services must not be empty; omit it (or send null) to allow all services");
        }
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String s : services) {
            if (s == null || !Names.SERVICE_NAME.matcher(s).matches()) {
                throw KeywayException.validation("services", "invalid service name '"
                        + Names.printable(String.valueOf(s)) + "'");
            }
            out.add(s);
        }
        return String.join(",", out);
    }

    private ApiResponse rotate(ApiRequest req) {
        Principal p = auth.authenticate(req);
        AgentRecord a = managed(p, req.param("name"));
        if (a.revoked()) {
            throw new KeywayException(ErrorType.CONFLICT, "agent '" + a.name() + "' is revoked; create a new agent");
        }
        Rotate body = req.body().length == 0 ? new Rotate(null, null) : req.json(Rotate.class);
        TokenRecord old = store.listTokens(null).stream()
                .filter(t -> a.id().equals(t.subject()) && t.type().equals("agent") && !t.revoked()).findFirst().orElse(null);
        TokenService.Lifetime life = body.ttl() == null && body.period() == null && old != null
                ? new TokenService.Lifetime(old.period() == null && old.expiresAt() != null
                        ? java.time.Duration.between(old.createdAt(), old.expiresAt()) : null, old.period(), null)
                : lifetime(body.ttl(), body.period());
        for (TokenRecord t : store.listTokens(null)) {
            if (a.id().equals(t.subject()) && t.type().equals("agent") && !t.revoked()) {
                tokens.revoke(t);
            }
        }
        TokenService.Issued issued = tokens.mintAgent(a.id(), a.name(), life, p.actor());
        trail.record(p, "agent.rotate", "", Map.of("agent", a.name(), "token_id", issued.record().id()));
        return ApiResponse.ok(withToken(a, issued));
    }

    private static TokenService.Lifetime lifetime(@Nullable String ttl, @Nullable String period) {
        return new TokenService.Lifetime(
                ttl == null ? null : Durations.parse("ttl", ttl),
                period == null ? null : Durations.parse("period", period),
                null);
    }

    /** Agents without an explicit lifetime get a token that does not expire (revoke or rotate it instead). */
    private AgentRecord managed(Principal p, String name) {
        AgentRecord a = store.agentByName(name).orElseThrow(() -> KeywayException.notFound("no agent '"
                + Names.printable(name) + "'"));
        if (!p.owner() && !administers(p, a)) {
            throw new KeywayException(ErrorType.FORBIDDEN, p.actor() + " may not manage agent '" + a.name() + "'");
        }
        return a;
    }

    /** A vault admin manages the agents whose every grant is on a vault they administer. */
    private boolean administers(Principal p, AgentRecord a) {
        if (!p.user()) {
            return false;
        }
        List<GrantRecord> gs = store.grantsOf(a.id());
        return !gs.isEmpty() && gs.stream().allMatch(g -> Access.roleOn(p, g.vaultId()) == VaultRole.ADMIN);
    }

    private Map<String, Object> view(AgentRecord a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("name", a.name());
        Map<String, String> names = new LinkedHashMap<>();
        vaults.list().forEach(v -> names.put(v.id(), v.name()));
        m.put("vaults", store.grantsOf(a.id()).stream().map(g -> Map.of("vault", names.getOrDefault(g.vaultId(), g.vaultId()),
                "role", g.role())).toList());
        m.put("services", a.services() == null ? null : List.of(a.services().split(",")));
        m.put("created_at", a.createdAt());
        m.put("created_by", a.createdBy());
        m.put("revoked", a.revoked());
        List<Map<String, Object>> toks = new ArrayList<>();
        for (TokenRecord t : store.listTokens(null)) {
            if (a.id().equals(t.subject()) && !t.revoked()) {
                toks.add(Map.of("id", t.id(), "accessor", t.accessor(), "type", t.type(),
                        "expires_at", t.expiresAt() == null ? "never" : t.expiresAt().toString()));
            }
        }
        m.put("tokens", toks);
        return m;
    }

    private Map<String, Object> withToken(AgentRecord a, TokenService.Issued issued) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", issued.token());
        m.put("id", issued.record().id());
        m.put("accessor", issued.record().accessor());
        m.put("expires_at", issued.record().expiresAt());
        m.put("agent", view(store.agentById(a.id()).orElseThrow()));
        return m;
    }
}
