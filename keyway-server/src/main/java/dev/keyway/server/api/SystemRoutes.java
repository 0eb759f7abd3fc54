package dev.keyway.server.api;


import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import dev.keyway.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Unauthenticated operational endpoints: {@code GET /health} (liveness plus a database check),
 * {@code GET /v1/ca.pem} (the public CA certificate clients must trust), and the authenticated
 * {@code GET /v1/status} summary.
 */
public final class SystemRoutes {
    private final Store store;
    private final ApiAuth auth;
    private final Supplier<String> caPem;
    private final Supplier<Map<String, Object>> status;
    private final Instant started = Instant.now();

    public SystemRoutes(Store store, ApiAuth auth, Supplier<String> caPem, Supplier<Map<String, Object>> status) {
        this.store = store;
        this.auth = auth;
        this.caPem = caPem;
        this.status = status;
    }

    public void routes(Router r) {
        r.get("/health", RouteAccess.PUBLIC, req -> {
            boolean db = safePing();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", db ? "ok" : "degraded");
            body.put("database", db ? "ok" : "unavailable");
            return ApiResponse.json(db ? 200 : 503, body);
        });
        r.get("/v1/ca.pem", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "application/x-pem-file", caPem.get())
                .withHeader("Content-Disposition", "attachment; filename=\"keyway-ca.pem\""));
        r.get("/v1/status", RouteAccess.OWNER, req -> {
            auth.requireAdmin(req);
            Map<String, Object> body = new LinkedHashMap<>(status.get());
            body.put("uptime_seconds", Duration.between(started, Instant.now()).toSeconds());
            body.put("database", safePing() ? "ok" : "unavailable");
            return ApiResponse.ok(body);
        });
    }

    private boolean safePing() {
        try {
            return store.ping();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
