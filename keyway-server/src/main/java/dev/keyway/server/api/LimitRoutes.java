package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.time.Durations;
import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.Principal;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.server.limit.RateLimitedPolicy;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.LimitRecord;
import dev.keyway.store.Store;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/limits}: rate limits on the proxy (issue 12 §4). Setting and removing a limit is the
 * instance owner's (like creating agents: a limit can throttle any agent); members of a vault may
 * list its limits, so an agent's operator can see why it gets 429. Every change is audited and
 * takes effect on every node through the change log like any other configuration.
 */
public final class LimitRoutes {
    private final Store store;
    private final VaultService vaults;
    private final ApiAuth auth;
    private final AuditTrail trail;
    private final Supplier<Snapshot> snapshot;
    private final Runnable onChange;

    public LimitRoutes(Store store, VaultService vaults, ApiAuth auth, AuditTrail trail, Supplier<Snapshot> snapshot,
            Runnable onChange) {
        this.store = store;
        this.vaults = vaults;
        this.auth = auth;
        this.trail = trail;
        this.snapshot = snapshot;
        this.onChange = onChange;
    }

    public void routes(Router r) {
        r.post("/v1/limits", RouteAccess.OWNER, this::set);
        r.get("/v1/limits", RouteAccess.AUTHENTICATED, this::list);
        r.delete("/v1/limits/{id}", RouteAccess.OWNER, this::remove);
    }

    /** The body of {@code POST /v1/limits}. */
    record Input(@Nullable String vault, @Nullable String service, @Nullable String agent, @Nullable String tokenId,
            @Nullable String credential, @Nullable Long requests, @Nullable String per) {}

    private ApiResponse set(ApiRequest req) {
        Principal p = auth.authenticate(req);
        Input in = req.json(Input.class);
        if (in.vault() == null || in.vault().isBlank()) {
            throw KeywayException.validation("vault", "name the vault the limit applies to");
        }
        VaultRecord v = vaults.get(in.vault().strip());
        if (in.requests() == null) {
            throw KeywayException.validation("requests", "requests is required (e.g. 100)");
        }
        if (in.per() == null) {
            throw KeywayException.validation("per", "per is required (e.g. 1m)");
        }
        RateLimit rate = new RateLimit(in.requests(), Durations.parse("per", in.per()));
        if (in.agent() != null && in.tokenId() != null) {
            throw KeywayException.validation("agent", "a limit names an agent or a token, not both");
        }
        String service = blankToNull(in.service());
        if (service != null && store.service(v.id(), service).isEmpty()) {
            throw KeywayException.notFound("vault '" + v.name() + "' has no service '" + service + "'");
        }
        String credential = blankToNull(in.credential());
        if (credential != null && store.credential(v.id(), credential).isEmpty()) {
            throw KeywayException.notFound("vault '" + v.name() + "' has no credential '" + credential + "'");
        }
        String agentId = null;
        String agent = blankToNull(in.agent());
        if (agent != null) {
            agentId = store.agentByName(agent).map(AgentRecord::id)
                    .orElseThrow(() -> KeywayException.notFound("no agent '" + agent + "'"));
        }
        String tokenId = blankToNull(in.tokenId());
        if (tokenId != null) {
            TokenRecord t = store.tokenById(tokenId).orElseThrow(() -> KeywayException.notFound("no token '" + tokenId + "'"));
            if (t.vaultId() != null && !t.vaultId().equals(v.id())) {
                throw KeywayException.validation("token_id", "token " + tokenId + " is bound to another vault");
            }
        }
        LimitRecord candidate = new LimitRecord("", v.id(), service, agentId, tokenId, credential, rate, Instant.EPOCH, p.actor());
        boolean existed = store.listLimits(v.id()).stream().anyMatch(l -> l.scopeKey().equals(candidate.scopeKey()));
        LimitRecord saved = store.putLimit(candidate);
        onChange.run();
        Map<String, Object> view = view(snapshot.get(), saved, v.name());
        trail.record(p, "limit.set", v.name(), auditDetails(view));
        return ApiResponse.json(existed ? 200 : 201, view);
    }

    private ApiResponse list(ApiRequest req) {
        Principal p = auth.authenticate(req);
        String vaultName = req.queryParam("vault");
        Snapshot s = snapshot.get();
        List<LimitRecord> limits;
        if (vaultName != null) {
            VaultRecord v = vaults.get(vaultName);
            Access.require(p, v.id(), v.name(), VaultRole.MEMBER);
            limits = store.listLimits(v.id());
        } else {
            limits = store.listLimits(null).stream().filter(l -> mayList(p, l.vaultId())).toList();
        }
        List<Map<String, Object>> out = limits.stream()
                .map(l -> view(s, l, s.vaultById(l.vaultId()).map(vr -> vr.vault().name()).orElse(l.vaultId()))).toList();
        return ApiResponse.ok(Map.of("limits", out));
    }

    private static boolean mayList(Principal p, String vaultId) {
        VaultRole r = Access.roleOn(p, vaultId);
        return r != null && r.atLeast(VaultRole.MEMBER) && !p.type().equals("approval");
    }

    private ApiResponse remove(ApiRequest req) {
        Principal p = auth.authenticate(req);
        String id = req.param("id");
        LimitRecord l = store.limit(id).orElseThrow(() -> KeywayException.notFound("no limit '" + id
                + "'; 'keyway limit list' shows the ids"));
        String vaultName = snapshot.get().vaultById(l.vaultId()).map(vr -> vr.vault().name()).orElse(l.vaultId());
        Map<String, Object> view = view(snapshot.get(), l, vaultName);
        if (!store.deleteLimit(id)) {
            throw new KeywayException(ErrorType.NOT_FOUND, "no limit '" + id + "'");
        }
        onChange.run();
        trail.record(p, "limit.remove", vaultName, auditDetails(view));
        return ApiResponse.noContent();
    }

    /** The API's view of a limit (names, not ids, where there are names). */
    public static Map<String, Object> view(Snapshot s, LimitRecord l, String vaultName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.id());
        m.put("vault", vaultName);
        m.put("service", l.service());
        String agent = null;
        if (l.agentId() != null) {
            AgentRecord a = s.agents().get(l.agentId());
            agent = a == null ? l.agentId() : a.name();
        }
        m.put("agent", agent);
        m.put("token_id", l.tokenId());
        m.put("credential", l.credential());
        m.put("requests", l.rate().requests());
        m.put("per", Durations.format(l.rate().per()));
        m.put("per_seconds", l.rate().per().toSeconds());
        m.put("description", RateLimitedPolicy.describe(s, l));
        m.put("created_at", l.createdAt().toString());
        m.put("created_by", l.createdBy());
        return m;
    }

    private static Map<String, Object> auditDetails(Map<String, Object> view) {
        Map<String, Object> d = new LinkedHashMap<>();
        view.forEach((k, val) -> {
            if (val != null && !k.equals("description") && !k.equals("created_at") && !k.equals("vault")) {
                d.put(k.equals("id") ? "limit" : k, val);
            }
        });
        return d;
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
