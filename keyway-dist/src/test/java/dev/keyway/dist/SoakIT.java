package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.tls.HandshakeCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounded soak ({@code ./mvnw -B -Psoak verify -pl keyway-dist -am -Dit.test=SoakIT}, 30 minutes by
 * default, {@code -Dsoak.minutes=N}): the real jar with its default JVM options under a mixed load at
 * about 80% of the rate measured in a short calibration: keep-alive requests, requests on a new
 * connection each (CONNECT + TLS handshake), long SSE streams, WebSockets (20 echoed messages and a
 * close handshake each, two at a time) and a token minted, used and revoked every few seconds (its
 * next request must be refused). Every 30 s it samples the
 * server's heap after a full GC ({@code jcmd GC.run} / {@code GC.heap_info}), RSS, threads, open
 * files and the leaf-cache size ({@code /v1/status}), and at the end asserts they stayed flat (the
 * last third against the first third, after warm-up). The samples are written to
 * {@code target/soak-results.md}; docs/benchmarks.md records a run.
 */
@EnabledIfSystemProperty(named = "soak.minutes", matches = "[1-9][0-9]*")
class SoakIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    record Sample(long seconds, long heapAfterGcKb, long rssKb, int threads, int openFiles, int leafCache, long requests) {}

    @Test
    void resourcesStayFlatUnderMixedLoad() throws Exception {
        int minutes = Integer.getInteger("soak.minutes");
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        Path work = jar.getParent().resolve("it-work").resolve("SoakIT-" + System.currentTimeMillis());
        Path data = Files.createDirectories(work.resolve("data"));
        KeywayJar kw = new KeywayJar(jar, work.resolve("logs"));
        String secret = "soak-secret-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

        Dispatcher upstreamApi = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                boolean real = ("Bearer " + secret).equals(r.getHeaders().get("Authorization"));
                String path = r.getUrl().encodedPath();
                if (!real) {
                    return new MockResponse.Builder().code(401).body("no credential").build();
                }
                if (path.startsWith("/ws")) {
                    return new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
                        @Override
                        public void onMessage(WebSocket ws, String text) {
                            ws.send("echo:" + text);
                        }

                        @Override
                        public void onClosing(WebSocket ws, int code, String reason) {
                            ws.close(code, reason); // answer the client's close, as a real server does
                        }
                    }).build();
                }
                if (path.startsWith("/sse")) {
                    StringBuilder events = new StringBuilder();
                    for (int i = 0; i < 20; i++) {
                        events.append("data: event ").append(i).append("\n\n");
                    }
                    return new MockResponse.Builder().addHeader("Content-Type", "text/event-stream")
                            .body(events.toString()).throttleBody(16, 250, TimeUnit.MILLISECONDS).build();
                }
                return new MockResponse.Builder().body("{\"ok\":true}").build();
            }
        };
        try (LocalUpstream upstream = LocalUpstream.start(work, upstreamApi)) {
            KeywayJar.Server server = kw.startServer(data, "soak", upstream.serverArgs());
            String admin = Files.readString(data.resolve("admin-token")).strip();
            LocalUpstream.Binding bound = upstream.bind(kw, server, data, work, secret);
            String token = bound.token();
            X509Certificate keywayCa = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new java.io.ByteArrayInputStream(bound.keywayCaPem().getBytes(StandardCharsets.US_ASCII)));
            String base = "https://localhost:" + upstream.port();
            OkHttpClient keepAlive = client(server, token, keywayCa, true);
            OkHttpClient fresh = client(server, token, keywayCa, false);

            // calibration: the keep-alive rate one client loop reaches in 15 s, then 80% of it
            double max = rate(keepAlive, base, Duration.ofSeconds(15));
            double target = 0.8 * max;
            System.out.printf(Locale.ROOT, "SoakIT: calibrated %.0f req/s, running at %.0f req/s for %d min%n", max, target, minutes);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong requests = new AtomicLong();
            java.util.concurrent.ConcurrentHashMap<String, AtomicLong> failedBy = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.function.Consumer<String> fail = what -> failedBy.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
            List<Thread> threads = new ArrayList<>();
            // 90% keep-alive, 10% new connections, paced to the target rate
            threads.add(Thread.ofPlatform().name("soak-paced").start(() -> {
                long intervalNanos = (long) (1e9 / target);
                long next = System.nanoTime();
                long i = 0;
                while (!stop.get()) {
                    OkHttpClient c = (i++ % 10 == 0) ? fresh : keepAlive;
                    if (!get(c, base + "/v1/items/" + i)) {
                        fail.accept(c == fresh ? "new-connection request" : "keep-alive request");
                    }
                    requests.incrementAndGet();
                    next += intervalNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else if (wait < -1_000_000_000L) {
                        next = System.nanoTime(); // fell behind by a second: do not burst to catch up
                    }
                }
            }));
            for (int s = 0; s < 3; s++) { // a few SSE streams, each 5 s, one after another
                threads.add(Thread.ofPlatform().name("soak-sse-" + s).start(() -> {
                    while (!stop.get()) {
                        try (Response r = keepAlive.newCall(new Request.Builder().url(base + "/sse").build()).execute()) {
                            String body = r.body().string();
                            if (r.code() != 200 || !body.contains("event 19")) {
                                fail.accept("sse stream");
                            }
                        } catch (IOException e) {
                            fail.accept("sse stream");
                        }
                    }
                }));
            }
            AtomicLong webSockets = new AtomicLong();
            for (int w = 0; w < 2; w++) { // WebSockets: 20 messages echoed, then the close handshake both ways
                threads.add(Thread.ofPlatform().name("soak-ws-" + w).start(() -> {
                    while (!stop.get()) {
                        if (webSocketRound(keepAlive, base)) {
                            webSockets.incrementAndGet();
                        } else {
                            fail.accept("websocket");
                        }
                        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
                    }
                }));
            }
            AtomicLong revocations = new AtomicLong();
            threads.add(Thread.ofPlatform().name("soak-revoke").start(() -> {
                while (!stop.get()) {
                    try {
                        String t = kwApi(kw, server, admin, "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}").get("token").asString();
                        OkHttpClient c = client(server, t, keywayCa, false);
                        boolean before = get(c, base + "/revocation/before");
                        kwApi(kw, server, admin, "/v1/tokens/revoke", "{\"token\":\"" + t + "\"}");
                        boolean after = get(c, base + "/revocation/after");
                        if (!before) {
                            fail.accept("fresh token refused");
                        }
                        if (after) {
                            fail.accept("REVOKED TOKEN ACCEPTED");
                        }
                        revocations.incrementAndGet();
                        c.connectionPool().evictAll();
                        LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
                    } catch (Exception e) {
                        fail.accept("revocation round");
                    }
                }
            }));

            List<Sample> samples = new ArrayList<>();
            Instant start = Instant.now();
            Instant end = start.plus(Duration.ofMinutes(minutes));
            while (Instant.now().isBefore(end)) {
                Thread.sleep(Duration.ofSeconds(30));
                samples.add(sample(kw, server, admin, Duration.between(start, Instant.now()).toSeconds(), requests.get()));
                Sample last = samples.getLast();
                System.out.printf(Locale.ROOT, "SoakIT %4ds: heap-after-GC %6d KB, RSS %6d KB, threads %3d, files %4d, leaves %d, requests %d%n",
                        last.seconds(), last.heapAfterGcKb(), last.rssKb(), last.threads(), last.openFiles(), last.leafCache(), last.requests());
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(30));
            }
            long failures = failedBy.values().stream().mapToLong(AtomicLong::get).sum();
            write(work, samples, max, target, requests.get(), failedBy.toString(), revocations.get(), webSockets.get(), minutes);
            KeywayJar.stop(server, false);

            assertThat(failedBy).as("a revoked token must never work").doesNotContainKey("REVOKED TOKEN ACCEPTED");
            // a loaded machine may time out a handful of calls; more than 0.1% is a defect
            assertThat(failures).as("failed or wrong answers out of %d: %s", requests.get(), failedBy)
                    .isLessThanOrEqualTo(Math.max(5, requests.get() / 1000));
            assertThat(revocations.get()).isPositive();
            assertThat(webSockets.get()).as("WebSocket sessions completed").isPositive();
            int n = samples.size();
            assertThat(n).as("samples").isGreaterThanOrEqualTo(3);
            List<Sample> first = samples.subList(n / 6, Math.max(n / 6 + 1, n / 3 + 1)); // skip warm-up
            List<Sample> last = samples.subList(n - Math.max(1, n / 3), n);
            assertThat(median(last, Sample::heapAfterGcKb)).as("heap after GC stays flat")
                    .isLessThanOrEqualTo(median(first, Sample::heapAfterGcKb) * 5 / 4 + 8 * 1024);
            assertThat(median(last, Sample::rssKb)).as("RSS stays flat")
                    .isLessThanOrEqualTo(median(first, Sample::rssKb) * 13 / 10 + 16 * 1024);
            assertThat(median(last, s -> (long) s.threads())).as("threads").isLessThanOrEqualTo(median(first, s -> (long) s.threads()) + 8);
            assertThat(median(last, s -> (long) s.openFiles())).as("open files")
                    .isLessThanOrEqualTo(median(first, s -> (long) s.openFiles()) + 32);
            assertThat(median(last, s -> (long) s.leafCache())).as("leaf cache").isLessThanOrEqualTo(median(first, s -> (long) s.leafCache()) + 2);
        }
    }

    /** One WebSocket session: opens, sends 20 messages, waits for their echoes, closes and waits for the peer's close. */
    private static boolean webSocketRound(OkHttpClient client, String base) {
        java.util.concurrent.CountDownLatch echoes = new java.util.concurrent.CountDownLatch(20);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        AtomicBoolean failed = new AtomicBoolean();
        WebSocket ws = client.newWebSocket(new Request.Builder().url(base + "/ws").build(), new WebSocketListener() {
            @Override
            public void onMessage(WebSocket s, String text) {
                echoes.countDown();
            }

            @Override
            public void onClosed(WebSocket s, int code, String reason) {
                closed.countDown();
            }

            @Override
            public void onFailure(WebSocket s, Throwable t, @org.jspecify.annotations.Nullable Response response) {
                failed.set(true);
                closed.countDown();
            }
        });
        for (int m = 0; m < 20; m++) {
            ws.send("m" + m);
        }
        try {
            boolean echoed = echoes.await(20, TimeUnit.SECONDS);
            ws.close(1000, "done");
            return echoed && closed.await(20, TimeUnit.SECONDS) && !failed.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ws.cancel();
            return false;
        }
    }

    private static OkHttpClient client(KeywayJar.Server server, String token, X509Certificate keywayCa, boolean pooled) {
        String[] hp = server.proxy().split(":");
        HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(keywayCa).build();
        return new OkHttpClient.Builder()
                .proxy(new Proxy(Proxy.Type.HTTP, new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))))
                .proxyAuthenticator((route, response) -> response.request().newBuilder()
                        .header("Proxy-Authorization", Credentials.basic(token, "default")).build())
                .sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
                .connectionPool(pooled ? new ConnectionPool(16, 5, TimeUnit.MINUTES) : new ConnectionPool(0, 1, TimeUnit.SECONDS))
                .callTimeout(Duration.ofSeconds(30))
                .build();
    }

    private static boolean get(OkHttpClient c, String url) {
        try (Response r = c.newCall(new Request.Builder().url(url).header("Authorization", "Bearer PLACEHOLDER").build()).execute()) {
            return r.code() == 200 && r.body().string().equals("{\"ok\":true}");
        } catch (IOException e) {
            return false;
        }
    }

    private static double rate(OkHttpClient c, String base, Duration d) {
        long n = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < d.toNanos()) {
            if (get(c, base + "/calibrate/" + n)) {
                n++;
            }
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static JsonNode kwApi(KeywayJar kw, KeywayJar.Server s, String admin, String path, String body) throws Exception {
        var r = java.net.http.HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.api() + path)).header("Authorization", "Bearer " + admin)
                        .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body().isEmpty() ? "{}" : r.body());
    }

    private static Sample sample(KeywayJar kw, KeywayJar.Server s, String admin, long seconds, long requests) throws Exception {
        long pid = s.process().pid();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, String.valueOf(pid), "GC.run");
        String heap = run(jcmd, String.valueOf(pid), "GC.heap_info");
        long used = 0;
        var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(heap);
        if (m.find()) {
            used = Long.parseLong(m.group(1));
        }
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        long rss = field(status, "VmRSS:");
        int threads = (int) field(status, "Threads:");
        int files;
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            files = (int) fds.count();
        }
        int leaves = kw.get(s, "/v1/status", admin).body().isEmpty() ? -1
                : JSON.readTree(kw.get(s, "/v1/status", admin).body()).path("leaf_cache").path("size").asInt(-1);
        return new Sample(seconds, used, rss, threads, files, leaves, requests);
    }

    private static long field(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static long median(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        long[] v = s.stream().mapToLong(f).sorted().toArray();
        return v[v.length / 2];
    }

    private static void write(Path work, List<Sample> samples, double max, double target, long requests, String failures,
            long revocations, long webSockets, int minutes) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "# Soak: %d min, calibrated %.0f req/s keep-alive, run at %.0f req/s "
                + "(90%% keep-alive, 10%% new connection) + 3 SSE streams + 2 WebSocket loops + a token revoked every ~5 s%n%n",
                minutes, max, target));
        sb.append(String.format(Locale.ROOT, "requests %d, failures %s, revocations checked %d, WebSocket sessions %d%n%n", requests, failures,
                revocations, webSockets));
        sb.append("| t (s) | heap after GC (KB) | RSS (KB) | threads | open files | leaf cache | requests |\n|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Sample s : samples) {
            sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d |%n", s.seconds(), s.heapAfterGcKb(), s.rssKb(),
                    s.threads(), s.openFiles(), s.leafCache(), s.requests()));
        }
        Path out = work.getParent().getParent().resolve("soak-results.md");
        Files.writeString(out, sb.toString());
        System.out.println(sb);
    }
}
