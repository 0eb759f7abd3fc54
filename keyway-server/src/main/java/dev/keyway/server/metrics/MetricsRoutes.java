package dev.keyway.server.metrics;

import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;

/**
 * {@code GET /metrics}: on the control-plane API for the owner (metrics name vaults and services,
 * which are not for every token holder), and unauthenticated on the separate metrics listener,
 * which is off by default and loopback unless the operator says otherwise (Prometheus scrapers
 * rarely carry bearer tokens; whoever binds it elsewhere is warned).
 */
public final class MetricsRoutes {
    private final KeywayMetrics metrics;

    public MetricsRoutes(KeywayMetrics metrics) {
        this.metrics = metrics;
    }

    /** The owner-only route on the API. */
    public void apiRoutes(Router r, ApiAuth auth) {
        r.get("/metrics", RouteAccess.OWNER, req -> {
            Access.requireOwner(auth.authenticate(req));
            return scrape();
        });
    }

    /** The router of the separate metrics listener: {@code /metrics} only. */
    public Router listenerRouter() {
        Router r = new Router();
        r.get("/metrics", RouteAccess.PUBLIC, req -> scrape());
        return r;
    }

    private ApiResponse scrape() {
        return ApiResponse.text(200, KeywayMetrics.CONTENT_TYPE, metrics.scrape());
    }

    /** The warning for a metrics listener bound to {@code host:port}, or null when it is loopback-only. */
    public static @org.jspecify.annotations.Nullable String exposureWarning(String host, int port) {
        return dev.keyway.server.ApiExposure.loopbackOnly(host) ? null
                : "WARNING: the metrics listener (" + host + ":" + port + ") is reachable from the network without authentication; "
                        + "it exposes vault and service names and traffic counts. Bind it to 127.0.0.1 or firewall it.";
    }
}
