package dev.keyway.server.cluster;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /ready}: readiness for load balancers and Kubernetes probes. 200 while the node is in
 * sync with its database; 503 problem+json {@code node-out-of-sync} otherwise, so traffic moves to
 * nodes that enforce the current state. {@code /health} stays liveness (restarting an out-of-sync
 * node would not help; it recovers by itself when the database is back). Public like
 * {@code /health}: it reveals the node name and lag, nothing else.
 */
public final class ReadyRoutes {
    private final Readiness readiness;
    private final String nodeName;

    public ReadyRoutes(Readiness readiness, String nodeName) {
        this.readiness = readiness;
        this.nodeName = nodeName;
    }

    public void routes(Router r) {
        r.get("/ready", RouteAccess.PUBLIC, req -> {
            if (readiness.state() != SyncState.IN_SYNC) {
                throw new KeywayException(ErrorType.NODE_OUT_OF_SYNC, "node " + nodeName
                        + " has not confirmed sync with its database for " + readiness.lag().toMillis() + " ms",
                        Map.of("node", nodeName, "lag_ms", readiness.lag().toMillis()));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "ready");
            body.put("node", nodeName);
            body.put("lag_ms", readiness.lag().toMillis());
            return ApiResponse.json(200, body);
        });
    }
}
