package dev.keyway.server.api;


import dev.keyway.server.VaultService;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditQuery;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** {@code GET /v1/audit} and {@code GET /v1/vaults/{vault}/audit}: query the audit log, oldest first. */
public final class AuditRoutes {
    private final AuditLog audit;
    private final VaultService vaults;
    private final ApiAuth auth;

    public AuditRoutes(AuditLog audit, VaultService vaults, ApiAuth auth) {
        this.audit = audit;
        this.vaults = vaults;
        this.auth = auth;
    }

    public void routes(Router r) {
        r.get("/v1/audit", RouteAccess.OWNER, req -> {
            Access.requireOwner(auth.authenticate(req));
            return query(req, null);
        });
        r.get("/v1/vaults/{vault}/audit", RouteAccess.AUTHENTICATED, req -> {
            var v = vaults.get(req.param("vault"));
            Access.require(auth.authenticate(req), v.id(), v.name(), VaultRole.MEMBER);
            return query(req, v.name());
        });
    }

    private ApiResponse query(ApiRequest req, @Nullable String vault) {
        int limit = req.queryInt("limit", 100, 1, 1000);
        String after = req.queryParam("after");
        long since = after == null ? -1 : req.queryInt("after", 0, 0, Integer.MAX_VALUE);
        String type = req.queryParam("type") != null ? req.queryParam("type") : req.queryParam("kind");
        var q = new AuditQuery(vault, req.queryParam("actor"), type, req.queryParam("action"), Math.max(0, since), limit, since < 0);
        var records = audit.query(q);
        if (since < 0) {
            records = records.reversed();
        }
        return ApiResponse.ok(Map.of("records", records));
    }
}
