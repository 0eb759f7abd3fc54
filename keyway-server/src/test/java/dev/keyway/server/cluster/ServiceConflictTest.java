package dev.keyway.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.cluster.ClusterNodes.Node;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresUrl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes replacing the same service from the same version: one wins, the others get 409, nothing is lost silently. */
class ServiceConflictTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    Path dir;

    private static String spec(String path) {
        return """
                {"name":"gh","host":"api.github.com","paths":["%s"],"inject":{"bearer":"GH"}}""".formatted(path);
    }

    private static HttpResponse<String> put(Node n, String body, String ifMatch) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(n.base() + "/v1/vaults/default/services/gh"))
                .header("Authorization", "Bearer " + n.adminToken()).header("Content-Type", "application/json")
                .header("If-Match", ifMatch).PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        try (HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build()) {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void concurrentReplacesFromOneVersionAcrossNodesLeaveExactlyOneWinner() throws Exception {
        PostgresUrl db = PG.newDatabase();
        try (Node a = ClusterNodes.start(dir.resolve("a"), db, "node-a", ClusterNodes.PASSWORD);
                Node b = ClusterNodes.start(dir.resolve("b"), db, "node-b", ClusterNodes.PASSWORD)) {
            ClusterNodes.ok(a.call("POST", "/v1/vaults/default/services", spec("/v0/**")));
            HttpResponse<String> read = b.call("GET", "/v1/vaults/default/services/gh", null);
            String etag = read.headers().firstValue("ETag").orElseThrow();

            int writers = 8;
            CyclicBarrier go = new CyclicBarrier(writers);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            try {
                for (int i = 0; i < writers; i++) {
                    Node via = i % 2 == 0 ? a : b;
                    String body = spec("/v" + (i + 1) + "/**");
                    all.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            go.await(30, TimeUnit.SECONDS);
                            return put(via, body, etag);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, pool));
                }
                List<Integer> statuses = new ArrayList<>();
                String winner = null;
                for (CompletableFuture<HttpResponse<String>> f : all) {
                    HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                    statuses.add(r.statusCode());
                    if (r.statusCode() == 200) {
                        winner = r.body();
                    } else {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
                        assertThat(r.body()).contains("\"type\":\"https://keyway.dev/errors/conflict\"");
                    }
                }
                assertThat(statuses).containsOnlyOnce(200);
                String stored = ClusterNodes.ok(a.call("GET", "/v1/vaults/default/services/gh", null));
                String winningPath = winner.replaceAll("(?s).*\"paths\":\\[\"([^\"]+)\"\\].*", "$1");
                assertThat(stored).contains("\"paths\":[\"" + winningPath + "\"]");
            } finally {
                pool.shutdownNow();
            }
            // a stale version is refused also one at a time
            assertThat(put(b, spec("/late/**"), etag).statusCode()).isEqualTo(409);
        }
    }
}
