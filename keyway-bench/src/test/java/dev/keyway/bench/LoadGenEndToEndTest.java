package dev.keyway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The load generator against the real {@link Upstream} over real TLS, direct and through a CONNECT proxy. */
class LoadGenEndToEndTest {
    private static Upstream upstream;
    private static TestConnectProxy proxy;
    @TempDir
    static Path dir;
    private static Path ca;

    @BeforeAll
    static void start() throws Exception {
        upstream = Upstream.start("127.0.0.1", 0, 1);
        ca = dir.resolve("upstream-ca.pem");
        Files.writeString(ca, upstream.caPem());
        proxy = new TestConnectProxy("kw_agt_test", "default");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    private LoadResult run(String path, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--target", "https://localhost:" + upstream.port() + path,
                "--ca", ca.toString(), "--concurrency", "4", "--threads", "1", "--warmup", "200ms", "--duration", "1s",
                "--timeout", "10s", "--json-out", dir.resolve("results.jsonl").toString()));
        args.addAll(List.of(extra));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        LoadResult r = LoadGen.run(LoadGenOptions.parse(args.toArray(String[]::new)),
                new PrintStream(text, true, StandardCharsets.UTF_8));
        String[] lines = text.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode json = JsonMapper.builder().build().readTree(lines[lines.length - 1]);
        assertThat(json.path("requests").asLong()).isEqualTo(r.stats().requests);
        assertThat(json.path("route").asString()).isEqualTo(r.options().viaProxy() ? "proxy" : "direct");
        return r;
    }

    @Test
    void keepAliveSmallDirect() throws Exception {
        LoadResult r = run("/small");
        assertThat(r.stats().errors).isEmpty();
        assertThat(r.stats().requests).isPositive();
        assertThat(r.stats().bodyBytes).isEqualTo(r.stats().requests * Upstream.SMALL_BODY_BYTES);
        assertThat(r.stats().latency.count()).isEqualTo(r.stats().requests);
        assertThat(r.toText()).contains("req/s").contains("p99");
    }

    @Test
    void newConnectionPerRequestDirect() throws Exception {
        LoadResult r = run("/small", "--mode", "newconn");
        assertThat(r.stats().errors).isEmpty();
        assertThat(r.stats().requests).isPositive();
    }

    @Test
    void largeBodiesAreCountedInFull() throws Exception {
        LoadResult r = run("/1m");
        assertThat(r.stats().errors).isEmpty();
        assertThat(r.stats().requests).isPositive();
        assertThat(r.stats().bodyBytes).isGreaterThanOrEqualTo(r.stats().requests * Upstream.LARGE_BODY_BYTES);
    }

    @Test
    void serverSentEventsReportDeliveryLatency() throws Exception {
        LoadResult r = run("/sse?n=5&delay=20");
        assertThat(r.stats().errors).isEmpty();
        assertThat(r.stats().events.count()).isGreaterThanOrEqualTo(5 * r.stats().requests);
        assertThat(r.stats().ttfb.count()).isPositive();
        assertThat(r.toText()).contains("SSE events");
    }

    @Test
    void throughAConnectProxyWithBasicAuth() throws Exception {
        int before = proxy.tunnels.get();
        LoadResult r = run("/small", "--proxy", "127.0.0.1:" + proxy.port(), "--proxy-auth", "kw_agt_test:default",
                "--mode", "newconn");
        assertThat(r.stats().errors).isEmpty();
        assertThat(r.stats().requests).isPositive();
        assertThat(proxy.tunnels.get() - before).isGreaterThanOrEqualTo((int) r.stats().requests);
    }

    @Test
    void wrongProxyCredentialsAreCountedAsProxy407() throws Exception {
        LoadResult r = run("/small", "--proxy", "127.0.0.1:" + proxy.port(), "--proxy-auth", "kw_agt_wrong:default");
        assertThat(r.stats().requests).isZero();
        assertThat(r.stats().errors).containsKey("proxy-407");
        assertThat(r.stats().firstMessages.get("proxy-407")).contains("407");
    }

    @Test
    void expectAuthFlagsResponsesWithoutAnInjectedBearer() throws Exception {
        LoadResult r = run("/small", "--expect-auth");
        assertThat(r.stats().requests).isZero();
        assertThat(r.stats().errors).containsKey("auth-missing");
    }

    @Test
    void untrustedUpstreamFailsTheHandshake() throws Exception {
        Path otherCa = dir.resolve("other-ca.pem");
        try (Upstream other = Upstream.start("127.0.0.1", 0, 1)) {
            Files.writeString(otherCa, other.caPem());
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        LoadResult r = LoadGen.run(LoadGenOptions.parse("--target", "https://localhost:" + upstream.port() + "/small",
                        "--ca", otherCa.toString(), "--concurrency", "2", "--threads", "1", "--warmup", "0s",
                        "--duration", "500ms"),
                new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(r.stats().requests).isZero();
        assertThat(r.stats().errors).containsKey("tls");
    }

    @Test
    void connectionsThatNeverAnswerAreReportedAsStalled() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            // accepted by the kernel backlog, never read: the TLS handshake waits forever
            LoadResult r = LoadGen.run(LoadGenOptions.parse("--target", "https://localhost:" + silent.getLocalPort() + "/small",
                            "--ca", ca.toString(), "--concurrency", "2", "--threads", "1", "--warmup", "0s",
                            "--duration", "500ms", "--timeout", "30s"),
                    new PrintStream(text, true, StandardCharsets.UTF_8));
            assertThat(r.stats().requests).isZero();
            assertThat(r.stats().errors).containsEntry("stalled", 2L);
        }
    }

    @Test
    void reportPairsProxyRunsWithTheirDirectRun() throws Exception {
        List<String> lines = List.of(
                "{\"label\":\"small\",\"route\":\"direct\",\"concurrency\":16,\"rps\":1000,\"mb_per_s\":0.1,"
                        + "\"latency_us\":{\"p50\":1000,\"p90\":2000,\"p99\":4000,\"max\":9000},\"events\":0,"
                        + "\"error_total\":0,\"errors\":{},\"proxy_cpu_pct\":-1,\"proxy_cpu_us_per_req\":-1,\"proxy_peak_rss_mb\":-1}",
                "{\"label\":\"small\",\"route\":\"proxy\",\"concurrency\":16,\"rps\":500,\"mb_per_s\":0.05,"
                        + "\"latency_us\":{\"p50\":2000,\"p90\":3000,\"p99\":6000,\"max\":9000},\"events\":0,"
                        + "\"error_total\":3,\"errors\":{\"timeout\":3},\"proxy_cpu_pct\":95,\"proxy_cpu_us_per_req\":190,"
                        + "\"proxy_peak_rss_mb\":180}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Report.print(lines, new PrintStream(out, true, StandardCharsets.UTF_8));
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("| small | proxy | 16 | 500 | 0.05 | 2.00 | 3.00 | 6.00 | 9.00 | 3 (timeout 3) | 95% | 190 | 180 | 0.50× | 2.00× | 1.50× |");
        assertThat(table).contains("| small | direct | 16 | 1000 |");
    }
}
