package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
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
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Crash loop: the real jar is killed with SIGKILL {@code -Dcrash.kills} times (10 in the normal
 * build, 100 with {@code -Pcrash}) while a client sends requests through the proxy (new CONNECT and
 * TLS handshake each, the credential injected by Keyway) and another makes control-plane writes.
 * After every kill the server must start again, and:
 *
 * <ul>
 *   <li>every request the client saw succeed <em>with the real credential at the upstream</em> has
 *       its durable {@code decision} record in the audit log (a credential goes out only after its
 *       audit record is durable);
 *   <li>every API write acknowledged with 201 is present;
 *   <li>every line of every audit file parses as JSON, and sequence numbers strictly increase.
 * </ul>
 */
class CrashLoopIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final String secret = "crash-secret-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

    @Test
    void sigkillUnderLoadLosesNoAcknowledgedWriteAndNoDecisionRecord() throws Exception {
        int kills = Integer.getInteger("crash.kills", 10);
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        Path work = jar.getParent().resolve("it-work").resolve("CrashLoopIT-" + System.currentTimeMillis());
        Path data = Files.createDirectories(work.resolve("data"));
        KeywayJar kw = new KeywayJar(jar, work.resolve("logs"));
        long seed = Long.getLong("seed", System.nanoTime());
        Random rnd = new Random(seed);
        System.out.println("CrashLoopIT seed=" + seed + " kills=" + kills);

        Dispatcher checksTheCredential = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                boolean real = ("Bearer " + secret).equals(r.getHeaders().get("Authorization"));
                return new MockResponse.Builder().code(real ? 200 : 401).body(real ? "injected" : "no credential").build();
            }
        };
        try (LocalUpstream upstream = LocalUpstream.start(work, checksTheCredential)) {
            String[] serverArgs = upstream.serverArgs();
            KeywayJar.Server server = kw.startServer(data, "0", serverArgs);
            String admin = Files.readString(data.resolve("admin-token")).strip();
            LocalUpstream.Binding bound = upstream.bind(kw, server, data, work, secret);
            String token = bound.token();
            SSLContext trustKeyway = trusting(bound.keywayCaPem());

            Set<String> injectedOk = new HashSet<>();
            Set<String> acked = new HashSet<>();
            for (int k = 1; k <= kills; k++) {
                Load load = new Load(server, k, token, admin, upstream.port(), trustKeyway);
                load.start();
                load.awaitProgress(Duration.ofSeconds(30));
                Thread.sleep(100 + rnd.nextInt(900));
                assertThat(KeywayJar.stop(server, true)).as("SIGKILL #" + k).isEqualTo(KeywayJar_SIGKILL);
                load.stop();
                injectedOk.addAll(load.injected);
                acked.addAll(load.acked);

                server = kw.startServer(data, String.valueOf(k), serverArgs);
                verify(kw, server, data, admin, injectedOk, acked, k);
            }
            assertThat(injectedOk).as("requests that went through with the credential").isNotEmpty();
            assertThat(acked).as("acknowledged API writes").isNotEmpty();
            System.out.println("CrashLoopIT: " + kills + " kills, " + injectedOk.size() + " injected requests and "
                    + acked.size() + " acknowledged writes all found after restarts");
            KeywayJar.stop(server, false);
        }
    }

    private static final int KeywayJar_SIGKILL = 137;


    private void verify(KeywayJar kw, KeywayJar.Server server, Path data, String admin, Set<String> injectedOk,
            Set<String> acked, int k) throws IOException, InterruptedException {
        Set<String> decisionPaths = new HashSet<>();
        long lastSeq = 0;
        List<Path> files;
        try (Stream<Path> s = Files.list(data)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("audit")
                    && p.getFileName().toString().contains("jsonl")).sorted().toList();
        }
        List<JsonNode> records = new ArrayList<>();
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                if (line.isBlank()) {
                    continue;
                }
                records.add(JSON.readTree(line)); // throws (test fails) on a line that is not JSON
            }
        }
        records.sort((a, b) -> Long.compare(a.path("seq").asLong(), b.path("seq").asLong()));
        for (JsonNode r : records) {
            long seq = r.path("seq").asLong();
            assertThat(seq).as("audit seq after kill #" + k).isGreaterThan(lastSeq);
            lastSeq = seq;
            if ("decision".equals(r.path("type").asString(""))) {
                decisionPaths.add(r.path("path").asString(""));
            }
        }
        assertThat(decisionPaths).as("decision records after kill #%d", k).containsAll(injectedOk);
        HttpResponse<String> vaults = kw.get(server, "/v1/vaults", admin);
        assertThat(vaults.statusCode()).isEqualTo(200);
        Set<String> names = new HashSet<>(JSON.readTree(vaults.body()).get("vaults").findValuesAsString("name"));
        assertThat(names).as("acknowledged vaults after kill #%d", k).containsAll(acked);
    }

    private static SSLContext trusting(String pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("keyway", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The two load loops of one round, until the kill. */
    private static final class Load {
        final ConcurrentLinkedQueue<String> injected = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final KeywayJar.Server server;
        private final int round;
        private final String token;
        private final String admin;
        private final int upstreamPort;
        private final SSLContext tls;
        private final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null))
                .connectTimeout(Duration.ofSeconds(2)).build();
        private final List<Thread> threads = new ArrayList<>();

        Load(KeywayJar.Server server, int round, String token, String admin, int upstreamPort, SSLContext tls) {
            this.server = server;
            this.round = round;
            this.token = token;
            this.admin = admin;
            this.upstreamPort = upstreamPort;
            this.tls = tls;
        }

        void start() {
            threads.add(Thread.ofPlatform().name("crash-proxy").start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String path = "/crash/" + round + "/" + i;
                    try {
                        if (proxied(path)) {
                            injected.add(path);
                        }
                    } catch (IOException e) {
                        // the server is being killed
                    }
                }
            }));
            threads.add(Thread.ofPlatform().name("crash-api").start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String name = "c-" + round + "-" + i;
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.api() + "/v1/vaults"))
                                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + admin)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 201) {
                            acked.add(name);
                        }
                    } catch (IOException e) {
                        // the server is being killed
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }

        void awaitProgress(Duration max) throws InterruptedException {
            Instant deadline = Instant.now().plus(max);
            while ((injected.isEmpty() || acked.isEmpty()) && Instant.now().isBefore(deadline)) {
                Thread.sleep(20);
            }
            assertThat(injected).as("round %d: proxied requests succeed before the kill", round).isNotEmpty();
            assertThat(acked).as("round %d: API writes succeed before the kill", round).isNotEmpty();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(30));
                assertThat(t.isAlive()).as(t.getName() + " stopped").isFalse();
            }
        }

        /** One request through the proxy on a new connection: CONNECT, TLS with the Keyway CA, GET. */
        private boolean proxied(String path) throws IOException {
            String[] hp = server.proxy().split(":");
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 2000);
                s.setSoTimeout(10_000);
                String authority = "localhost:" + upstreamPort;
                OutputStream out = s.getOutputStream();
                out.write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\nProxy-Authorization: Bearer "
                        + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(s.getInputStream());
                if (!head.startsWith("HTTP/1.1 200")) {
                    return false;
                }
                try (SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, "localhost", upstreamPort, true)) {
                    ssl.startHandshake();
                    ssl.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + authority
                            + "\r\nAuthorization: Bearer PLACEHOLDER\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    ssl.getOutputStream().flush();
                    String response = new String(ssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    return response.startsWith("HTTP/1.1 200") && response.endsWith("injected");
                }
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            while (!sb.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                sb.append((char) b);
            }
            return sb.toString();
        }
    }
}
