package dev.keyway.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.cluster.ClusterNodes.Node;
import dev.keyway.server.cluster.ClusterNodes.Proxied;
import dev.keyway.server.cluster.ClusterNodes.Upstream;
import dev.keyway.store.postgres.PostgresServer;
import dev.keyway.store.postgres.PostgresUrl;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The database goes away: the node fails closed (503 {@code node-out-of-sync} on the proxy and on
 * {@code /ready}) instead of serving its last state forever, and recovers by itself when the
 * database is back. Uses a PostgreSQL cluster of its own, since it stops it.
 */
class ClusterOutageTest {
    @TempDir
    Path dir;

    /** Whether the scraped {@code keyway_cluster_in_sync} gauge reads {@code value}. */
    private static boolean inSyncGauge(Node n, String value) {
        try {
            HttpResponse<String> r = n.call("GET", "/metrics", null);
            return r.statusCode() == 200 && java.util.regex.Pattern.compile("(?m)^keyway_cluster_in_sync " + value + "(\\.0)?$")
                    .matcher(r.body()).find();
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean call(Node n, String path, int status) {
        try {
            return n.call("GET", path, null).statusCode() == status;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void databaseStoppedNodeGoesOutOfSyncRefusesInjectionAndRecoversWithoutRestart() throws Exception {
        try (PostgresServer pg = PostgresServer.start(); Upstream upstream = new Upstream()) {
            PostgresUrl db = pg.newDatabase();
            ClusterConfig cfg = new ClusterConfig(db, "node-o", Duration.ofSeconds(2), Duration.ofMillis(500), 4);
            try (Node n = ClusterNodes.start(dir.resolve("o"), cfg, ClusterNodes.PASSWORD)) {
                ClusterNodes.configure(n, upstream);
                String token = JsonMapper.builder().build().readTree(ClusterNodes.ok(n.call("POST", "/v1/tokens",
                        "{\"vault\":\"default\",\"ttl\":\"1h\"}"))).get("token").asString();
                int port = n.server().proxyPort();
                assertThat(ClusterNodes.await(Duration.ofSeconds(10),
                        () -> proxied(port, upstream, token).status() == 200)).isTrue();

                pg.stop();
                assertThat(ClusterNodes.await(Duration.ofSeconds(30), () -> call(n, "/ready", 503)))
                        .as("/ready turns 503 once the lag passes --max-sync-lag").isTrue();
                HttpResponse<String> ready = n.call("GET", "/ready", null);
                assertThat(ready.headers().firstValue("Content-Type")).hasValueSatisfying(
                        v -> assertThat(v).startsWith("application/problem+json"));
                assertThat(ready.body()).contains("node-out-of-sync").contains("\"lag_ms\"");
                int before = upstream.seen.size();
                Proxied refused = proxied(port, upstream, token);
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.keywayError()).isEqualTo("node-out-of-sync");
                assertThat(upstream.seen).hasSize(before); // nothing went upstream
                assertThat(call(n, "/health", 503) || call(n, "/health", 200)).as("/health still answers").isTrue();
                assertThat(ClusterNodes.await(Duration.ofSeconds(10), () -> inSyncGauge(n, "0")))
                        .as("keyway_cluster_in_sync is 0 (what the KeywayNodeOutOfSync alert watches)").isTrue();

                pg.startServer();
                assertThat(ClusterNodes.await(Duration.ofSeconds(60), () -> call(n, "/ready", 200)))
                        .as("the node recovers by itself").isTrue();
                assertThat(ClusterNodes.await(Duration.ofSeconds(10), () -> proxied(port, upstream, token).status() == 200))
                        .isTrue();
                assertThat(upstream.seen).last().isEqualTo("Bearer " + ClusterNodes.SECRET);
                assertThat(ClusterNodes.await(Duration.ofSeconds(10), () -> inSyncGauge(n, "1"))).isTrue();
            }
        }
    }

    private static Proxied proxied(int port, Upstream upstream, String token) {
        try {
            return ClusterNodes.get(port, upstream.port(), token);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
