package dev.keyway.server.approval;

import dev.keyway.core.approval.ApprovalState;
import dev.keyway.core.error.KeywayException;
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
import dev.keyway.store.ApprovalRecord;
import dev.keyway.store.VaultRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code /v1/approvals}: members of a vault list the requests held for approval and approve (once,
 * or for a while) or deny them. Any node's API decides any node's held request: the decision is a
 * compare-and-set on the shared row. See docs/services.md, "Approval".
 */
public final class ApprovalRoutes {
    private final ApprovalService approvals;
    private final VaultService vaults;
    private final ApiAuth auth;
    private final Supplier<Instant> now;

    public ApprovalRoutes(ApprovalService approvals, VaultService vaults, ApiAuth auth, Supplier<Instant> now) {
        this.approvals = approvals;
        this.vaults = vaults;
        this.auth = auth;
        this.now = now;
    }

    /** Approve body: {@code for} (e.g. {@code 15m}) lets the same request through without asking until then. */
    public record Approve(@com.fasterxml.jackson.annotation.JsonProperty("for") @Nullable String forDuration) {}

    /** Deny body: the reason the agent is shown. */
    public record Deny(@Nullable String reason) {}

    public void routes(Router r) {
        r.get("/v1/approvals", RouteAccess.AUTHENTICATED, this::list);
        r.get("/v1/approvals/{id}", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            return ApiResponse.ok(view(approvals.get(p, req.param("id"))));
        });
        r.post("/v1/approvals/{id}/approve", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            Approve body = req.body().length == 0 ? new Approve(null) : req.json(Approve.class);
            Duration d = body.forDuration() == null ? null : Durations.parse("for", body.forDuration());
            return ApiResponse.ok(view(approvals.decide(p, req.param("id"), true, d, null)));
        });
        r.post("/v1/approvals/{id}/deny", RouteAccess.AUTHENTICATED, req -> {
            Principal p = auth.authenticate(req);
            Deny body = req.body().length == 0 ? new Deny(null) : req.json(Deny.class);
            return ApiResponse.ok(view(approvals.decide(p, req.param("id"), false, null, body.reason())));
        });
    }

    private ApiResponse list(ApiRequest req) {
        Principal p = auth.authenticate(req);
        ApprovalService.requireHuman(p);
        String vault = req.queryParam("vault");
        String vaultId = null;
        if (vault != null) {
            VaultRecord v = vaults.get(vault);
            Access.require(p, v.id(), v.name(), VaultRole.MEMBER);
            vaultId = v.id();
        }
        String s = req.queryParam("state");
        ApprovalState state;
        try {
            state = s == null || s.isBlank() ? null : ApprovalState.ofWire(s);
        } catch (IllegalArgumentException e) {
            throw KeywayException.validation("state", "state must be one of pending, approved, denied, timed_out, cancelled");
        }
        int limit = req.queryInt("limit", 100, 1, 1000);
        Map<String, String> names = new HashMap<>();
        vaults.list().forEach(v -> names.put(v.id(), v.name()));
        List<Map<String, Object>> out = approvals.list(p, vaultId, state, limit).stream()
                .map(a -> view(a, names.getOrDefault(a.vaultId(), a.vaultId()))).toList();
        return ApiResponse.ok(Map.of("approvals", out));
    }

    private Map<String, Object> view(ApprovalRecord a) {
        String name = vaults.list().stream().filter(v -> v.id().equals(a.vaultId())).map(VaultRecord::name).findFirst()
                .orElse(a.vaultId());
        return view(a, name);
    }

    /** The JSON view of one approval (no secret in it: the path is the client's, without its query). */
    Map<String, Object> view(ApprovalRecord a, String vaultName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("vault", vaultName);
        m.put("state", a.state().wire());
        m.put("actor", a.actor());
        m.put("service", a.service());
        m.put("method", a.method());
        m.put("host", a.host());
        m.put("path", a.path());
        m.put("body_bytes", a.bodyBytes());
        m.put("node", a.node());
        m.put("created_at", a.createdAt().toString());
        m.put("expires_at", a.expiresAt().toString());
        Instant end = a.decidedAt() != null ? a.decidedAt() : now.get();
        m.put("waited_ms", Math.max(0, Duration.between(a.createdAt(), end).toMillis()));
        if (a.decidedBy() != null) {
            m.put("decided_by", a.decidedBy());
        }
        if (a.decidedAt() != null) {
            m.put("decided_at", String.valueOf(a.decidedAt()));
        }
        if (a.reason() != null) {
            m.put("reason", a.reason());
        }
        if (a.approvedUntil() != null) {
            m.put("approved_until", String.valueOf(a.approvedUntil()));
        }
        return m;
    }
}
