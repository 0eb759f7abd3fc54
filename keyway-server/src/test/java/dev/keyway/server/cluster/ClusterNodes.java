package dev.keyway.server.cluster;

import com.sun.net.httpserver.HttpServer;
import dev.keyway.server.KeywayServer;
import dev.keyway.server.ServerConfig;
import dev.keyway.server.aws.AwsEnv;
import dev.keyway.store.postgres.PostgresUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Test support for cluster tests: in-process nodes on one PostgreSQL database, a plain-HTTP upstream
 * that records the {@code Authorization} it received before answering, and a raw-socket proxy
 * client (what a minimal agent does: an absolute-form request with {@code Proxy-Authorization}).
 */
final class ClusterNodes {
    static final String SECRET = "sk-cluster-canary-5b1e9d";
    static final String PASSWORD = "cluster master password";

    private ClusterNodes() {}

    /** One running node and an HTTP client for its API (with its own admin token). */
    record Node(KeywayServer server, Path dataDir, String adminToken) implements AutoCloseable {
        String base() {
            return "http://127.0.0.1:" + server.apiPort();
        }

        HttpResponse<String> call(String method, String path, @Nullable String body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + adminToken);
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            try (HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build()) {
                return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            }
        }

        @Override
        public void close() {
            server.close();
        }
    }

    static Node start(Path dataDir, PostgresUrl db, String name, String password) throws Exception {
        return start(dataDir, ClusterConfig.postgres(db, name), password);
    }

    static Node start(Path dataDir, ClusterConfig cluster, String password) throws Exception {
        return start(dataDir, cluster, password, Clock.systemUTC());
    }

    /** With the clock given (e.g. frozen, so a test about refills decides when time passes). */
    static Node start(Path dataDir, ClusterConfig cluster, String password, Clock clock) throws Exception {
        ServerConfig cfg = ServerConfig.defaults(dataDir).withPorts(0, 0).withUpstream(null, null, true, List.of())
                .withMasterPassword(password.toCharArray());
        KeywayServer s = KeywayServer.start(cfg, cluster, AwsEnv.system(null, null), clock);
        return new Node(s, dataDir, Files.readString(dataDir.resolve("admin-token")).strip());
    }

    /** A plain-HTTP upstream recording each request's Authorization header before it answers. */
    static final class Upstream implements AutoCloseable {
        final HttpServer server;
        final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

        Upstream() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", ex -> {
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                seen.add(auth == null ? "" : auth); // record first, then answer
                byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            });
            server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Sets up the credential and a service for {@code upstream} in vault default through {@code node}. */
    static void configure(Node node, Upstream upstream) throws Exception {
        ok(node.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + SECRET + "\"}"));
        ok(node.call("POST", "/v1/vaults/default/services", """
                {"name":"up","host":"127.0.0.1:%d","allow_private":true,"allow_plaintext":true,
                 "inject":{"bearer":"UP_KEY"}}""".formatted(upstream.port())));
    }

    static String ok(HttpResponse<String> r) {
        if (r.statusCode() < 200 || r.statusCode() > 299) {
            throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** Result of one proxied request: status code and the {@code Keyway-Error} header (or null). */
    record Proxied(int status, @Nullable String keywayError) {}

    /** One absolute-form GET through the proxy on {@code proxyPort} with token:default, on a fresh raw socket. */
    static Proxied get(int proxyPort, int upstreamPort, String token) throws IOException {
        try (Socket s = new Socket("127.0.0.1", proxyPort)) {
            s.setSoTimeout(30_000);
            String auth = Base64.getEncoder().encodeToString((token + ":default").getBytes(StandardCharsets.UTF_8));
            String req = "GET http://127.0.0.1:" + upstreamPort + "/v1/x HTTP/1.1\r\nHost: 127.0.0.1:" + upstreamPort
                    + "\r\nProxy-Authorization: Basic " + auth + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            if (System.getenv("KW_DEBUG") != null && status != 200) {
                System.out.println("proxied " + head);
            }
            String err = null;
            for (String l : lines) {
                if (l.regionMatches(true, 0, "Keyway-Error:", 0, 13)) {
                    err = l.substring(13).strip();
                }
            }
            return new Proxied(status, err);
        }
    }

    /** Opens a CONNECT tunnel (blind or intercepted: the caller decides via the vault policy); returns the socket after 200. */
    static Socket connect(int proxyPort, String hostPort, String token) throws IOException {
        Socket s = new Socket("127.0.0.1", proxyPort);
        s.setSoTimeout(30_000);
        String auth = Base64.getEncoder().encodeToString((token + ":default").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().write(("CONNECT " + hostPort + " HTTP/1.1\r\nHost: " + hostPort + "\r\nProxy-Authorization: Basic "
                + auth + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String head = readHead(s.getInputStream());
        if (!head.startsWith("HTTP/1.1 200")) {
            s.close();
            throw new AssertionError("CONNECT refused: " + head);
        }
        return s;
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                break;
            }
            if (sb.length() > 65536) {
                throw new IOException("response head too long");
            }
        }
        return sb.toString();
    }

    /** Polls {@code condition} every 10 ms until it holds or {@code bound} passes; false on timeout. */
    static boolean await(Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    /** p-th percentile (0..100) of {@code millis}, nearest rank. */
    static long percentile(List<Long> millis, int p) {
        List<Long> sorted = new ArrayList<>(millis);
        sorted.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
