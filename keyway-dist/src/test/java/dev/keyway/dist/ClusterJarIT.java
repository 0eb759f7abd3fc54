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
import java.util.Base64;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real jar as separate processes on a real PostgreSQL: a single node is moved into the database
 * with {@code keyway db migrate}, two {@code keyway server --database-url} processes share it (one
 * on the migrated data dir, one on a fresh one), a token revoked through one is refused by the
 * other, and a node started with another master key exits before serving.
 */
class ClusterJarIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static final String SECRET = "sk-jar-cluster-71c0f2";
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

    private static int proxied(KeywayJar.Server s, int upstreamPort, String token) throws IOException {
        String[] hp = s.proxy().split(":");
        try (Socket sock = new Socket(hp[0], Integer.parseInt(hp[1]))) {
            sock.setSoTimeout(30_000);
            String auth = Base64.getEncoder().encodeToString((token + ":default").getBytes(StandardCharsets.UTF_8));
            sock.getOutputStream().write(("GET http://127.0.0.1:" + upstreamPort + "/x HTTP/1.1\r\nHost: 127.0.0.1:" + upstreamPort
                    + "\r\nProxy-Authorization: Basic " + auth + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = sock.getInputStream().read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            return Integer.parseInt(line.toString().split(" ")[1]);
        }
    }

    private static boolean await(Duration bound, java.util.concurrent.Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (cond.call()) {
                return true;
            }
            Thread.sleep(20);
        }
        return cond.call();
    }

    @Test
    void migratedSingleNodeRunsAsTwoProcessesOnOneDatabase() throws Exception {
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (run via 'mvnw verify')").isRegularFile();
        Path work = jar.getParent().resolve("it-work").resolve("ClusterJarIT-" + System.currentTimeMillis());
        KeywayJar kw = new KeywayJar(jar, work.resolve("logs"));
        Path pw = work.resolve("master-password");
        Files.writeString(pw, "jar cluster password\n");
        Path other = work.resolve("other-password");
        Files.writeString(other, "not the cluster password\n");

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
        upstream.start();
        int up = upstream.getAddress().getPort();
        KeywayJar.Server a = null;
        KeywayJar.Server b = null;
        try {
            // 1. a single node on SQLite, populated, stopped
            Path dataA = Files.createDirectories(work.resolve("a"));
            KeywayJar.Server single = kw.startServer(dataA, "single", "--master-password-file", pw.toString(),
                    "--allow-private-upstreams");
            String adminA = Files.readString(dataA.resolve("admin-token")).strip();
            api(single, adminA, "PUT", "/v1/vaults/default/credentials/UP", "{\"value\":\"" + SECRET + "\"}");
            api(single, adminA, "POST", "/v1/vaults/default/services", """
                    {"name":"up","host":"127.0.0.1:%d","allow_private":true,"allow_plaintext":true,"inject":{"bearer":"UP"}}"""
                    .formatted(up));
            assertThat(KeywayJar.stop(single, false)).isEqualTo(143);

            // 2. keyway db migrate (dry run, then for real)
            PostgresUrl db = PG.newDatabase();
            String url = "postgresql://" + URLEncoder.encode(db.user(), StandardCharsets.UTF_8) + ":"
                    + URLEncoder.encode(db.password(), StandardCharsets.UTF_8) + "@" + db.host() + ":" + db.port() + "/" + db.database();
            KeywayJar.Result dry = kw.cli("db", "migrate", "--from", dataA.toString(), "--to", url, "--dry-run").ok();
            assertThat(dry.out()).contains("Would copy").contains("credentials").doesNotContain(db.password());
            KeywayJar.Result copy = kw.cli("db", "migrate", "--from", dataA.toString(), "--to", url).ok();
            assertThat(copy.out()).contains("verified").doesNotContain(db.password());
            kw.cli("db", "migrate", "--from", dataA.toString(), "--to", url).expect(6);

            // 3. two server processes on the database
            a = kw.startServer(dataA, "node-a", "--database-url", url, "--node-name", "node-a",
                    "--master-password-file", pw.toString(), "--allow-private-upstreams");
            b = kw.startServer(Files.createDirectories(work.resolve("b")), "node-b", "--database-url", url, "--node-name", "node-b",
                    "--master-password-file", pw.toString(), "--allow-private-upstreams");
            KeywayJar.awaitLog(b, "Cluster: node node-b");
            assertThat(Files.readString(b.err())).doesNotContain(db.password());
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(b.api() + "/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);

            String created = api(a, adminA, "POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}").body();
            String token = created.replaceAll("(?s).*\"token\":\"([^\"]+)\".*", "$1");
            String id = created.replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1");
            KeywayJar.Server nodeB = b;
            assertThat(await(Duration.ofSeconds(10), () -> proxied(nodeB, up, token) == 200)).isTrue();
            assertThat(seen).contains("Bearer " + SECRET);
            api(a, adminA, "DELETE", "/v1/tokens/" + id, null);
            assertThat(await(Duration.ofSeconds(5), () -> proxied(nodeB, up, token) == 407))
                    .as("node B refuses the token revoked on node A").isTrue();

            // 4. a node with another master key exits before serving
            KeywayJar.Result wrong = kw.cli("server", "--data-dir", Files.createDirectories(work.resolve("c")).toString(),
                    "--database-url", url, "--master-password-file", other.toString(),
                    "--api-addr", "127.0.0.1:" + KeywayJar.freePort(), "--proxy-addr", "127.0.0.1:" + KeywayJar.freePort());
            assertThat(wrong.code()).as(wrong.describe()).isEqualTo(3);
            assertThat(wrong.err()).contains("master key").contains("every node of a cluster must use")
                    .doesNotContain(db.password()).doesNotContain("\tat ");
        } finally {
            for (KeywayJar.Server s : new KeywayJar.Server[] {a, b}) {
                if (s != null && s.process().isAlive()) {
                    KeywayJar.stop(s, false);
                }
            }
            upstream.stop(0);
        }
    }
}
