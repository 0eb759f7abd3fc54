package dev.keyway.server.cluster;

import static dev.keyway.server.cluster.ClusterNodes.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.cluster.ClusterNodes.Node;
import dev.keyway.server.cluster.ClusterNodes.Proxied;
import dev.keyway.server.cluster.ClusterNodes.Upstream;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresUrl;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Approvals and rate limits across two nodes on one real PostgreSQL database (issue 12 §3, §4): a
 * request held by node A is listed, approved and denied through node B's API and A's client gets
 * the answer; a {@code for} window recorded on B lets the same request through A and B; one limit
 * shared by both nodes under 16 concurrent clients forwards at most its size in total, never the
 * limit times the node count. The upstreams record every request before answering, so "forwarded"
 * is counted on what they received. Waits are bounded polls; latencies are printed, not asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterApprovalLimitTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    PostgresUrl db;
    /** Behind service "held" (POST needs approval). */
    Upstream approvals;
    /** Behind service "limited" (one shared limit). */
    Upstream limited;
    Node a;
    Node b;
    String token;

    @BeforeAll
    void start() throws Exception {
        db = PG.newDatabase();
        approvals = new Upstream();
        limited = new Upstream();
        a = ClusterNodes.start(dir.resolve("a"), db, "node-a", ClusterNodes.PASSWORD);
        b = ClusterNodes.start(dir.resolve("b"), db, "node-b", ClusterNodes.PASSWORD);
        ok(a.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + ClusterNodes.SECRET + "\"}"));
        ok(a.call("POST", "/v1/vaults/default/services", """
                {"name":"held","host":"127.0.0.1:%d","allow_private":true,"allow_plaintext":true,
                 "inject":{"bearer":"UP_KEY"},"approval":{"methods":["POST"],"timeout":"120s"}}""".formatted(approvals.port())));
        ok(a.call("POST", "/v1/vaults/default/services", """
                {"name":"limited","host":"127.0.0.1:%d","allow_private":true,"allow_plaintext":true,
                 "inject":{"bearer":"UP_KEY"}}""".formatted(limited.port())));
        token = JSON.readTree(ok(a.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"display_name\":\"agent\"}")))
                .get("token").asString();
        long rev = a.server().runtime().current().revision();
        for (Node n : List.of(a, b)) { // both nodes enforce the services and know the token before any request
            assertThat(ClusterNodes.await(BOUND, () -> n.server().runtime().current().revision() >= rev)).isTrue();
        }
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {b, a, approvals, limited}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    /** A proxied response: status, Keyway-Error and body. */
    record Answer(int status, @Nullable String keywayError, String body) {}

    /** One absolute-form POST through {@code via}'s proxy on a fresh socket (what a minimal agent does); waits while it is held. */
    Answer post(Node via, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", via.server().proxyPort())) {
            s.setSoTimeout(60_000);
            String auth = Base64.getEncoder().encodeToString((token + ":default").getBytes(StandardCharsets.UTF_8));
            String hostPort = "127.0.0.1:" + approvals.port();
            String req = "POST http://" + hostPort + path + " HTTP/1.1\r\nHost: " + hostPort + "\r\nProxy-Authorization: Basic "
                    + auth + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = ClusterNodes.readHead(in);
            String body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            String[] lines = head.split("\r\n");
            String err = null;
            for (String l : lines) {
                if (l.regionMatches(true, 0, "Keyway-Error:", 0, 13)) {
                    err = l.substring(13).strip();
                }
            }
            return new Answer(Integer.parseInt(lines[0].split(" ")[1]), err, body);
        }
    }

    CompletableFuture<Answer> postAsync(Node via, String path) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return post(via, path);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Executors.newVirtualThreadPerTaskExecutor());
    }

    /** Pending approvals of {@code path} as {@code on}'s API lists them. */
    List<JsonNode> pending(Node on, String path) {
        try {
            JsonNode all = JSON.readTree(ok(on.call("GET", "/v1/approvals?vault=default", null))).get("approvals");
            List<JsonNode> out = new ArrayList<>();
            all.forEach(x -> {
                if (x.get("state").asString().equals("pending") && x.get("path").asString().equals(path)) {
                    out.add(x);
                }
            });
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode awaitPending(Node on, String path) throws InterruptedException {
        assertThat(ClusterNodes.await(BOUND, () -> pending(on, path).size() == 1)).as("pending approval of " + path).isTrue();
        return pending(on, path).getFirst();
    }

    long forwarded(Upstream u) {
        return u.seen.size();
    }

    @Test
    void requestHeldByNodeAIsApprovedOrDeniedThroughNodeB() throws Exception {
        CompletableFuture<Answer> held = postAsync(a, "/deploy");
        JsonNode p = awaitPending(b, "/deploy");
        assertThat(p.get("node").asString()).as("B lists the approval A holds").isEqualTo("node-a");
        assertThat(held).as("the client on A simply waits").isNotDone();
        long before = forwarded(approvals);

        long t0 = System.nanoTime();
        JsonNode decided = JSON.readTree(ok(b.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve", "{}")));
        assertThat(decided.get("state").asString()).isEqualTo("approved");
        Answer r = held.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        System.out.printf("approval decided on B, answered on A after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(forwarded(approvals)).isEqualTo(before + 1);
        assertThat(approvals.seen).contains("Bearer " + ClusterNodes.SECRET);

        CompletableFuture<Answer> denied = postAsync(a, "/delete-everything");
        JsonNode q = awaitPending(b, "/delete-everything");
        ok(b.call("POST", "/v1/approvals/" + q.get("id").asString() + "/deny", "{\"reason\":\"not on a Friday\"}"));
        Answer d = denied.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(d.status()).isEqualTo(403);
        assertThat(d.keywayError()).isEqualTo("approval-denied");
        assertThat(d.body()).contains("not on a Friday").doesNotContain(ClusterNodes.SECRET);
        assertThat(forwarded(approvals)).as("a denied request is never forwarded").isEqualTo(before + 1);
        // decided once, whichever node is asked next
        assertThat(a.call("POST", "/v1/approvals/" + q.get("id").asString() + "/approve", "{}").statusCode()).isEqualTo(409);
    }

    @Test
    void approvalForAWhileRecordedOnBAppliesOnBothNodes() throws Exception {
        CompletableFuture<Answer> held = postAsync(a, "/release");
        JsonNode p = awaitPending(b, "/release");
        ok(b.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve", "{\"for\":\"15m\"}"));
        assertThat(held.get(BOUND.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
        long before = forwarded(approvals);

        assertThat(post(a, "/release").status()).as("standing approval on A").isEqualTo(200);
        assertThat(post(b, "/release").status()).as("standing approval on B").isEqualTo(200);
        assertThat(forwarded(approvals)).isEqualTo(before + 2);
        assertThat(pending(b, "/release")).as("nobody was asked again").isEmpty();
        JsonNode all = JSON.readTree(ok(a.call("GET", "/v1/approvals?vault=default", null))).get("approvals");
        assertThat(all.valueStream().filter(x -> x.get("path").asString().equals("/release")).count()).isEqualTo(1);
    }

    /**
     * 40 requests per day (no refill within the test: one token per 36 minutes). 16 clients at once,
     * 8 on each node, 8 requests each: together the nodes forward at most 40, never 2 x 40. A node
     * may refuse early while its lease is in flight (documented), so afterwards sequential requests
     * on both nodes drain what is left: exactly 40 in total were forwarded, and then nothing more.
     */
    @Test
    void oneLimitSharedByTwoNodesForwardsAtMostTheLimitInTotal() throws Exception {
        ok(a.call("POST", "/v1/limits", "{\"vault\":\"default\",\"service\":\"limited\",\"requests\":40,\"per\":\"1d\"}"));
        for (Node n : List.of(a, b)) {
            assertThat(ClusterNodes.await(BOUND, () -> n.server().runtime().current().vaultByName("default")
                    .map(v -> n.server().runtime().current().limitsOf(v.vault().id()).size() == 1).orElse(false))).isTrue();
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<int[]>> runs = new ArrayList<>();
        int allowed = 0;
        try {
            for (int i = 0; i < 16; i++) {
                Node via = i % 2 == 0 ? a : b;
                runs.add(pool.submit(() -> {
                    int[] counts = new int[3]; // 200, 429 rate-limited, anything else
                    for (int k = 0; k < 8; k++) {
                        counts[outcome(ClusterNodes.get(via.server().proxyPort(), limited.port(), token))]++;
                    }
                    return counts;
                }));
            }
            int refused = 0;
            int other = 0;
            for (Future<int[]> f : runs) {
                int[] c = f.get(120, TimeUnit.SECONDS);
                allowed += c[0];
                refused += c[1];
                other += c[2];
            }
            System.out.printf("shared limit of 40 on 2 nodes, 16 concurrent clients: %d forwarded, %d refused with 429%n",
                    allowed, refused);
            assertThat(other).isZero();
            assertThat(allowed + refused).isEqualTo(128);
            assertThat(allowed).as("never more than the limit across the cluster").isLessThanOrEqualTo(40);
            assertThat(limited.seen).as("nothing forwarded beyond what was answered 200").hasSize(allowed);
        } finally {
            pool.shutdownNow();
        }

        // drain: alternate nodes, one request at a time, until the bucket's 40 are used (bounded)
        long deadline = System.nanoTime() + BOUND.toNanos();
        for (int i = 0; allowed < 40 && System.nanoTime() < deadline; i++) {
            if (outcome(ClusterNodes.get((i % 2 == 0 ? a : b).server().proxyPort(), limited.port(), token)) == 0) {
                allowed++;
            } else {
                Thread.sleep(20); // the node's lease is in flight
            }
        }
        assertThat(allowed).as("the whole limit is usable across the nodes").isEqualTo(40);
        for (int i = 0; i < 10; i++) {
            assertThat(outcome(ClusterNodes.get((i % 2 == 0 ? a : b).server().proxyPort(), limited.port(), token)))
                    .as("after 40, every node refuses").isEqualTo(1);
        }
        assertThat(limited.seen).hasSize(40).allMatch(h -> h.equals("Bearer " + ClusterNodes.SECRET));
    }

    /** 0 forwarded (200), 1 refused by the limit (429 rate-limited), 2 anything else. */
    static int outcome(Proxied r) {
        return r.status() == 200 ? 0 : r.status() == 429 && "rate-limited".equals(r.keywayError()) ? 1 : 2;
    }
}
