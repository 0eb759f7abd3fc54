package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresUrl;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Audit in a cluster, with real processes on a real PostgreSQL: two {@code keyway server} nodes
 * under load, node B killed with SIGKILL right after acknowledged requests, restarted on the same
 * data dir; every request a client got an answer for (through either node) has its decision record,
 * with its node's name, in the cluster-wide audit read from node A, exactly once.
 */
class ClusterAuditKillIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static final String SECRET = "sk-audit-kill-4e19a7";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final int SIGKILL = 137;
    final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

    private HttpResponse<String> api(KeywayJar.Server s, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.api() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r;
    }

    /** One absolute-form GET of {@code path} through {@code s}'s proxy on a new connection; the status. */
    private static int proxied(KeywayJar.Server s, int upstreamPort, String token, String path) throws IOException {
        String[] hp = s.proxy().split(":");
        try (Socket sock = new Socket()) {
            sock.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 2000);
            sock.setSoTimeout(10_000);
            String auth = Base64.getEncoder().encodeToString((token + ":default").getBytes(StandardCharsets.UTF_8));
            sock.getOutputStream().write(("GET http://127.0.0.1:" + upstreamPort + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + upstreamPort
                    + "\r\nProxy-Authorization: Basic " + auth + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = sock.getInputStream().read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            return Integer.parseInt(line.toString().split(" ")[1]);
        }
    }

    /** Client loops through one node: the paths that got a 200 (acknowledged, credential injected). */
    private static final class Load {
        final ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        Load(KeywayJar.Server node, String label, int upstreamPort, String token) {
            thread = Thread.ofPlatform().name("load-" + label).start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String path = "/kill/" + label + "/" + i;
                    try {
                        if (proxied(node, upstreamPort, token, path) == 200) {
                            acked.add(path); // recorded only once the client holds the answer
                        }
                    } catch (IOException | RuntimeException e) {
                        // the node is being killed: this request was not acknowledged
                    }
                }
            });
        }

        void awaitAcked(int n, Duration bound) throws InterruptedException {
            Instant deadline = Instant.now().plus(bound);
            while (acked.size() < n && Instant.now().isBefore(deadline) && thread.isAlive()) {
                Thread.sleep(10);
            }
            assertThat(acked.size()).as("acknowledged requests through " + thread.getName()).isGreaterThanOrEqualTo(n);
        }

        List<String> stop() throws InterruptedException {
            stop.set(true);
            thread.join(Duration.ofSeconds(30));
            assertThat(thread.isAlive()).as(thread.getName() + " stopped").isFalse();
            return List.copyOf(acked);
        }
    }

    /** Every decision record in the cluster-wide audit as seen from {@code s}: path to the nodes that recorded it. */
    private Map<String, List<String>> decisions(KeywayJar.Server s, String token) throws Exception {
        Map<String, List<String>> out = new HashMap<>();
        Set<String> nodeSeqs = new HashSet<>();
        long after = 0;
        while (true) {
            JsonNode page = JSON.readTree(api(s, token, "GET", "/v1/audit?type=decision&limit=1000&after=" + after, null).body());
            JsonNode records = page.path("records");
            if (records.isEmpty()) {
                return out;
            }
            for (JsonNode r : records) {
                after = Math.max(after, r.path("seq").asLong());
                String node = r.path("node").asString("");
                assertThat(nodeSeqs.add(node + "#" + r.path("node_seq").asLong())).as("record %s shown once", r).isTrue();
                out.computeIfAbsent(r.path("path").asString(""), k -> new ArrayList<>()).add(node);
            }
        }
    }

    @Test
    void everyAcknowledgedRequestHasItsDecisionRecordClusterWideAfterANodeIsKilled() throws Exception {
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (run via 'mvnw verify')").isRegularFile();
        Path work = jar.getParent().resolve("it-work").resolve("ClusterAuditKillIT-" + System.currentTimeMillis());
        KeywayJar kw = new KeywayJar(jar, work.resolve("logs"));
        Path pw = work.resolve("master-password");
        Files.writeString(pw, "audit kill cluster password\n");

        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            String a = ex.getRequestHeaders().getFirst("Authorization");
            seen.add(a == null ? "" : a); // record before answering
            ex.sendResponseHeaders(200, 2);
            try (OutputStream o = ex.getResponseBody()) {
                o.write("ok".getBytes(StandardCharsets.US_ASCII));
            }
        });
        upstream.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        upstream.start();
        int up = upstream.getAddress().getPort();
        PostgresUrl db = PG.newDatabase();
        String url = "postgresql://" + URLEncoder.encode(db.user(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(db.password(), StandardCharsets.UTF_8) + "@" + db.host() + ":" + db.port() + "/" + db.database();
        Path dataA = Files.createDirectories(work.resolve("a"));
        Path dataB = Files.createDirectories(work.resolve("b"));
        String[] common = {"--database-url", url, "--master-password-file", pw.toString(), "--allow-private-upstreams"};
        KeywayJar.Server a = null;
        KeywayJar.Server b = null;
        try {
            a = kw.startServer(dataA, "node-a", concat(common, "--node-name", "node-a"));
            b = kw.startServer(dataB, "node-b", concat(common, "--node-name", "node-b"));
            String admin = Files.readString(dataA.resolve("admin-token")).strip();
            api(a, admin, "PUT", "/v1/vaults/default/credentials/UP", "{\"value\":\"" + SECRET + "\"}");
            api(a, admin, "POST", "/v1/vaults/default/services", """
                    {"name":"up","host":"127.0.0.1:%d","allow_private":true,"allow_plaintext":true,"inject":{"bearer":"UP"}}"""
                    .formatted(up));
            String created = api(a, admin, "POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}").body();
            String token = JSON.readTree(created).path("token").asString();
            KeywayJar.Server nodeB = b;
            Instant until = Instant.now().plusSeconds(10);
            while (proxied(nodeB, up, token, "/warm-up") != 200 && Instant.now().isBefore(until)) {
                Thread.sleep(50); // node B has not seen the new service and token yet
            }

            Load viaA = new Load(a, "a", up, token);
            Load viaB = new Load(b, "b", up, token);
            viaB.awaitAcked(200, Duration.ofSeconds(60));
            viaA.awaitAcked(50, Duration.ofSeconds(60));
            assertThat(KeywayJar.stop(b, true)).as("node B killed with SIGKILL under load").isEqualTo(SIGKILL);
            List<String> ackedB = viaB.stop();
            Map<String, List<String>> beforeRestart = decisions(a, admin);
            long unshipped = ackedB.stream().filter(p -> !beforeRestart.containsKey(p)).count();
            System.out.println("ClusterAuditKillIT: " + ackedB.size() + " requests acknowledged by node B before SIGKILL, "
                    + unshipped + " of their decision records not yet in the cluster-wide table when it died");

            b = kw.startServer(dataB, "node-b-restarted", concat(common, "--node-name", "node-b"));
            List<String> ackedA = viaA.stop();
            assertThat(seen).contains("Bearer " + SECRET);

            KeywayJar.Server nodeA = a;
            Map<String, List<String>> all = new HashMap<>();
            Instant deadline = Instant.now().plusSeconds(30);
            do {
                all = decisions(nodeA, admin);
                if (all.keySet().containsAll(ackedB) && all.keySet().containsAll(ackedA)) {
                    break;
                }
                Thread.sleep(200);
            } while (Instant.now().isBefore(deadline));
            for (String p : ackedB) {
                assertThat(all.get(p)).as("decision record of %s (acknowledged by node B before SIGKILL), read on node A", p)
                        .containsExactly("node-b");
            }
            for (String p : ackedA) {
                assertThat(all.get(p)).as("decision record of %s (node A), read on node A", p).containsExactly("node-a");
            }
            // node B, restarted, sees the same cluster-wide records
            Map<String, List<String>> fromB = decisions(b, admin);
            assertThat(fromB.keySet()).containsAll(ackedB).containsAll(ackedA);
            JsonNode status = JSON.readTree(api(b, admin, "GET", "/v1/status", null).body());
            assertThat(status.path("audit_shipping").path("state").asString()).isEqualTo("shipping");
            assertThat(Files.readString(b.err())).contains("audit shipping for node node-b resumes after seq")
                    .doesNotContain(db.password()).doesNotContain(SECRET);
        } finally {
            for (KeywayJar.Server s : new KeywayJar.Server[] {a, b}) {
                if (s != null && s.process().isAlive()) {
                    KeywayJar.stop(s, false);
                }
            }
            upstream.stop(0);
        }
    }

    private static String[] concat(String[] a, String... more) {
        String[] out = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }
}
