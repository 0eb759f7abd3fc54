package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Metrics end to end: a real server with the metrics listener on, real curl through the proxy to a
 * local HTTPS upstream, and both scrape endpoints parsed as Prometheus text. Proves the names exist,
 * that counters move with real traffic (injected, denied, bad tokens), that labels stay bounded (no
 * host, path or token id), and that the contrib dashboard and alert rules use only metrics that a
 * scrape really has.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndToEndTest {
    static final String SECRET = "sk-canary-metrics-5b1e9d";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    static Path dir;

    MockWebServer upstream;
    TestServer ts;
    String token;
    String tokenId;
    String proxyUrl;
    Path keywayCa;
    final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();

    @BeforeAll
    void start() throws Exception {
        HeldCertificate upstreamCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("metrics test CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(upstreamCa).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, upstreamCa.certificatePem());
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of())
                .withMetrics("127.0.0.1", 0);
        ts = TestServer.start(cfg);
        keywayCa = dir.resolve("data").resolve("ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + SECRET + "\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"metered","host":"localhost:%d","allow_private":true,"methods":["GET"],"paths":["/v1/**"],
                 "inject":{"bearer":"UP_KEY"}}""".formatted(upstream.getPort())));
        JsonNode t = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"display_name\":\"metrics\"}")));
        token = t.get("token").asString();
        tokenId = t.path("id").asString(t.path("token_id").asString(""));
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
    }

    static String ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    private Curl.Result curl(String proxy, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-sS", "--max-time", "30", "--proxy", proxy, "--cacert", keywayCa.toString(),
                "-o", "/dev/null", "-w", "%{http_code}"));
        args.addAll(List.of(extra));
        return Curl.run(args.toArray(String[]::new));
    }

    private PrometheusText scrapeApi() throws Exception {
        HttpResponse<String> r = ts.call("GET", "/metrics", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
        return PrometheusText.parse(r.body());
    }

    private HttpResponse<String> listener(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ts.server.metricsPort() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Scrapes until {@code done} holds (the per-request event is reported when the response ends, asynchronously). */
    private PrometheusText awaitScrape(Predicate<PrometheusText> done) throws Exception {
        PrometheusText p = scrapeApi();
        for (int i = 0; i < 100 && !done.test(p); i++) {
            Thread.sleep(100); // bounded poll of an asynchronous report; no timing is asserted
            p = scrapeApi();
        }
        assertThat(done.test(p)).as("condition never held; last scrape: %s", p.samples().stream()
                .filter(x -> x.name().startsWith("keyway_proxy_requests") || x.name().startsWith("keyway_token")).toList()).isTrue();
        return p;
    }

    static final Map<String, String> INJECTED = Map.of("outcome", "injected", "vault", "default", "service", "metered", "error_type", "none");
    static final Map<String, String> RULE_DENIED = Map.of("outcome", "denied", "vault", "default", "service", "metered",
            "error_type", "service-rule-denied");

    /** Real traffic: three injected requests, one denied by a method rule, one CONNECT with an unknown token. */
    private void sendTraffic() throws Exception {
        String url = "https://localhost:" + upstream.getPort();
        for (int i = 0; i < 3; i++) {
            upstream.enqueue(new MockResponse.Builder().body("{}").build());
            Curl.Result r = curl(proxyUrl, url + "/v1/models");
            assertThat(r.out()).as(r.err()).isEqualTo("200");
        }
        Curl.Result denied = curl(proxyUrl, "-X", "DELETE", url + "/v1/models");
        assertThat(denied.out()).as(denied.err()).isEqualTo("403");
        Curl.Result badToken = curl("http://kw_wrong:default@127.0.0.1:" + ts.server.proxyPort(), url + "/v1/models");
        assertThat(badToken.exit()).as("a refused CONNECT makes curl fail").isNotZero();
    }

    @Test
    void countersMoveWithRealTrafficAndLabelsStayBounded() throws Exception {
        PrometheusText before = scrapeApi();
        double injectedBefore = before.sum("keyway_proxy_requests_total", INJECTED);
        double validBefore = before.sum("keyway_token_validations_total", Map.of("source", "proxy", "result", "valid"));
        double deniedBefore = before.sum("keyway_proxy_requests_total", RULE_DENIED);
        double unknownBefore = before.sum("keyway_token_validations_total", Map.of("source", "proxy", "result", "unknown-token"));
        sendTraffic();
        PrometheusText after = awaitScrape(p -> p.sum("keyway_proxy_requests_total", INJECTED) >= injectedBefore + 3
                && p.sum("keyway_proxy_requests_total", RULE_DENIED) >= deniedBefore + 1
                // a CONNECT is reported when its connection closes, and failed authentications may be summarised: await both
                && p.sum("keyway_proxy_requests_total", Map.of("outcome", "intercepted", "vault", "default")) >= 1
                && p.sum("keyway_proxy_requests_total", Map.of("outcome", "denied", "error_type", "proxy-auth-invalid")) >= 1);

        assertThat(after.sum("keyway_proxy_requests_total", Map.of("outcome", "intercepted", "vault", "default"))).isGreaterThanOrEqualTo(1);
        assertThat(after.sum("keyway_proxy_requests_total", Map.of("outcome", "denied", "error_type", "proxy-auth-invalid"))).isGreaterThanOrEqualTo(1);
        assertThat(after.sum("keyway_token_validations_total", Map.of("source", "proxy", "result", "valid"))).isGreaterThan(validBefore);
        assertThat(after.sum("keyway_token_validations_total", Map.of("source", "proxy", "result", "unknown-token"))).isGreaterThan(unknownBefore);
        assertThat(after.sum("keyway_proxy_responses_total", Map.of("code_class", "2xx"))).isGreaterThanOrEqualTo(3);
        assertThat(after.sum("keyway_proxy_responses_total", Map.of("code_class", "4xx"))).isGreaterThanOrEqualTo(1);
        assertThat(after.sum("keyway_proxy_request_duration_seconds_count", Map.of("outcome", "injected"))).isGreaterThanOrEqualTo(3);
        assertThat(after.sum("keyway_proxy_decision_wait_seconds_count")).isGreaterThanOrEqualTo(3);
        assertThat(after.sum("keyway_audit_fsync_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(after.sum("keyway_audit_batch_records_count")).isGreaterThanOrEqualTo(1);
        assertThat(after.sum("keyway_audit_healthy")).isEqualTo(1);
        assertThat(after.sum("keyway_cluster_in_sync")).as("a single node is its own database").isEqualTo(1);
        assertThat(after.sum("keyway_cluster_sync_lag_seconds")).isZero();
        assertThat(after.sum("keyway_audit_chain_intact")).isEqualTo(1);
        assertThat(after.sum("keyway_tls_leaf_mints_total")).isGreaterThanOrEqualTo(1);
        assertThat(after.sum("keyway_tls_leaf_cache_hits_total") + after.sum("keyway_tls_leaf_mints_total")).isGreaterThanOrEqualTo(3);
        assertThat(after.sum("keyway_tls_leaf_cache_entries")).isGreaterThanOrEqualTo(1);
        assertThat(after.names()).contains("keyway_proxy_open_connections", "keyway_proxy_refused_connections_total",
                "keyway_audit_dropped_total", "keyway_audit_last_seq", "keyway_audit_queued_records",
                "jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_gc_pause_seconds_count", "process_cpu_usage",
                "process_uptime_seconds", "process_files_open_files", "system_cpu_count");

        // bounded cardinality: no upstream host or port, path, token, token id or secret in any label or value
        String raw = ok(ts.call("GET", "/metrics", null));
        assertThat(raw).doesNotContain("localhost:" + upstream.getPort()).doesNotContain("/v1/models").doesNotContain(token)
                .doesNotContain(SECRET).doesNotContain("kw_wrong");
        if (!tokenId.isEmpty()) {
            assertThat(raw).doesNotContain(tokenId);
        }
        Set<String> labelNames = new TreeSet<>();
        after.samples().stream().filter(s -> s.name().startsWith("keyway_")).forEach(s -> labelNames.addAll(s.labels().keySet()));
        assertThat(labelNames).isSubsetOf("outcome", "vault", "service", "error_type", "code_class", "source", "result", "mode", "le",
                "version");
    }

    /**
     * Upstream time, open tunnels, and credential-source fetches and cache lookups: a linked
     * credential from a {@code file} source injected twice (one fetch, then one lookup from memory),
     * a missing file (a failed fetch, by kind), and a CONNECT held open while the gauge is read.
     */
    @Test
    void upstreamTimeTunnelsAndSourceFetchesAreMeasured() throws Exception {
        Path secretFile = dir.resolve("linked-secret.txt");
        Files.writeString(secretFile, SECRET);
        Files.setPosixFilePermissions(secretFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        ok(ts.call("POST", "/v1/sources", "{\"name\":\"files\",\"type\":\"file\"}"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/LINKED_KEY/link",
                "{\"source\":\"files\",\"ref\":\"%s\",\"ttl\":\"1h\"}".formatted(secretFile)));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/MISSING_KEY/link",
                "{\"source\":\"files\",\"ref\":\"%s\",\"ttl\":\"1h\"}".formatted(dir.resolve("no-such-file"))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"linked","host":"localhost:%d","allow_private":true,"paths":["/linked/**"],"inject":{"bearer":"LINKED_KEY"}}"""
                .formatted(upstream.getPort())));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"missing","host":"localhost:%d","allow_private":true,"paths":["/missing/**"],"inject":{"bearer":"MISSING_KEY"}}"""
                .formatted(upstream.getPort())));
        PrometheusText before = scrapeApi();
        double upstreamBefore = before.sum("keyway_proxy_upstream_duration_seconds_count");
        String url = "https://localhost:" + upstream.getPort();
        for (int i = 0; i < 2; i++) {
            upstream.enqueue(new MockResponse.Builder().body("{}").build());
            Curl.Result r = curl(proxyUrl, url + "/linked/x");
            assertThat(r.out()).as(r.err()).isEqualTo("200");
        }
        Curl.Result missing = curl(proxyUrl, url + "/missing/x");
        assertThat(missing.out()).as("no value, nothing forwarded").isEqualTo("503");

        PrometheusText after = awaitScrape(p -> p.sum("keyway_proxy_upstream_duration_seconds_count") >= upstreamBefore + 2
                && p.sum("keyway_source_fetches_total", Map.of("source", "files", "result", "not_found")) >= 1);
        assertThat(after.sum("keyway_source_fetches_total", Map.of("source", "files", "result", "ok"))).isEqualTo(1);
        assertThat(after.sum("keyway_source_cache_lookups_total", Map.of("result", "hit"))).isGreaterThanOrEqualTo(1);
        assertThat(after.sum("keyway_source_cache_lookups_total", Map.of("result", "miss"))).isGreaterThanOrEqualTo(2);
        assertThat(after.sum("keyway_proxy_upstream_duration_seconds_bucket", Map.of("le", "+Inf")))
                .isEqualTo(after.sum("keyway_proxy_upstream_duration_seconds_count"));

        // a CONNECT to an intercepted host, held open: the gauge counts it while it is open, and not after
        // (curl's tunnels above are closed by then, but the server may process their close a moment later)
        assertThat(awaitScrape(p -> p.sum("keyway_proxy_open_tunnels", Map.of("mode", "intercept")) == 0)
                .sum("keyway_proxy_open_tunnels", Map.of("mode", "intercept"))).isZero();
        assertThat(after.names()).contains("keyway_proxy_open_tunnels");
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", ts.server.proxyPort())) {
            String auth = java.util.Base64.getEncoder().encodeToString((token + ":default").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sock.getOutputStream().write(("CONNECT localhost:" + upstream.getPort() + " HTTP/1.1\r\nHost: localhost:" + upstream.getPort()
                    + "\r\nProxy-Authorization: Basic " + auth + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sock.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 200");
            awaitScrape(p -> p.sum("keyway_proxy_open_tunnels", Map.of("mode", "intercept")) == 1);
        }
        awaitScrape(p -> p.sum("keyway_proxy_open_tunnels", Map.of("mode", "intercept")) == 0);
    }

    @Test
    void listenerServesTheSameMetricsWithoutAuthAndNothingElse() throws Exception {
        sendTraffic();
        HttpResponse<String> r = listener("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
        PrometheusText p = PrometheusText.parse(r.body());
        assertThat(p.names()).contains("keyway_proxy_requests_total", "keyway_audit_fsync_seconds_bucket", "jvm_memory_used_bytes");
        assertThat(p.sum("keyway_proxy_requests_total", INJECTED)).isGreaterThanOrEqualTo(3);

        assertThat(listener("/v1/status").statusCode()).isEqualTo(404);
        assertThat(listener("/v1/audit").statusCode()).isEqualTo(404);
        // on the API, /metrics needs an owner token
        assertThat(ts.call("GET", "/metrics", null, null).statusCode()).isEqualTo(401);
        assertThat(ts.call("GET", "/metrics", null, token).statusCode()).isEqualTo(403);
    }

    static final Pattern METRIC = Pattern.compile("\\b((?:keyway|jvm|process|system)_[a-z0-9_]+)\\b");

    static Set<String> metricsIn(String expr) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void contribDashboardAndAlertRulesUseOnlyMetricsThatExist() throws Exception {
        sendTraffic();
        awaitScrape(p -> p.sum("keyway_proxy_requests_total", INJECTED) >= 3);
        Set<String> scraped = scrapeApi().names();

        JsonNode dashboard = JSON.readTree(Files.readString(ROOT.resolve("contrib/grafana/keyway-dashboard.json")));
        Set<String> used = new TreeSet<>();
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                exprs.add(target.get("expr").asString());
            }
        }
        dashboard.get("templating").get("list").forEach(v -> exprs.add(v.path("query").asString("")));
        assertThat(exprs).hasSizeGreaterThanOrEqualTo(10);
        exprs.forEach(e -> used.addAll(metricsIn(e)));

        JsonNode rules = new YAMLMapper().readTree(Files.readString(ROOT.resolve("contrib/prometheus/keyway-alerts.yml")));
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                alerts.add(rule.get("alert").asString());
                assertThat(rule.path("annotations").path("summary").asString()).isNotBlank();
                used.addAll(metricsIn(rule.get("expr").asString()));
            }
        }
        assertThat(alerts).contains("KeywayAuditUnavailable", "KeywayCredentialSourceFailing", "KeywayProxy5xxRate");
        assertThat(used).hasSizeGreaterThanOrEqualTo(15);
        assertThat(scraped).as("metrics used by contrib/ but missing from a scrape").containsAll(used);
    }
}
