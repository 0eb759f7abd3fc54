package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole product path with a real client: a real server (store, key ring, CA, policy, proxy),
 * configured through the API, and real curl through the proxy to a local HTTPS upstream that has
 * its own CA. Proves injection, confinement, policy errors and audit, and that the secret never
 * reaches the client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyEndToEndTest {
    static final String SECRET = "sk-canary-e2e-0d9c4b7a61f3";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    HeldCertificate upstreamCa;
    MockWebServer upstream;
    TestServer ts;
    String token;
    String proxyUrl;
    Path keywayCa;

    @BeforeAll
    void start() throws Exception {
        upstreamCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream test CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(upstreamCa).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, upstreamCa.certificatePem());
        Path data = dir.resolve("data");
        ServerConfig cfg = ServerConfig.defaults(data).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
        ts = TestServer.start(cfg);
        keywayCa = data.resolve("ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + SECRET + "\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"up","host":"localhost:%d","allow_private":true,"methods":["GET"],"paths":["/v1/**"],
                 "inject":{"bearer":"UP_KEY"}}""".formatted(upstream.getPort())));
        token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"display_name\":\"e2e\"}")))
                .get("token").asString();
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
    }

    static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    private Curl.Result curl(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-sS", "--max-time", "30", "--proxy", proxyUrl,
                "--cacert", keywayCa.toString(), "-D", "-"));
        args.addAll(List.of(extra));
        return Curl.run(args.toArray(String[]::new));
    }

    @Test
    void curlGetsTheUpstreamResponseWithTheCredentialInjected() throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("{\"models\":[]}").build());
        Curl.Result r = curl("https://localhost:" + upstream.getPort() + "/v1/models", "-H", "Authorization: Bearer PLACEHOLDER");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("{\"models\":[]}").doesNotContain(SECRET);
        assertThat(r.err()).doesNotContain(SECRET);
        RecordedRequest req = upstream.takeRequest(10, TimeUnit.SECONDS);
        assertThat(req).isNotNull();
        assertThat(req.getHeaders().values("Authorization")).containsExactly("Bearer " + SECRET);
        assertThat(req.getHeaders().get("Proxy-Authorization")).isNull();

        // the per-request record is written when the response completes, asynchronously: poll briefly
        JsonNode audit = null;
        for (int i = 0; i < 50; i++) {
            audit = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/audit?limit=50", null)));
            boolean upRecorded = false;
            for (JsonNode rec : audit.get("records")) {
                upRecorded |= "request".equals(rec.path("type").asString()) && "up".equals(rec.path("service").asString());
            }
            if (upRecorded) { // other tests' request records may already be there
                break;
            }
            Thread.sleep(100); // polls the asynchronous audit writer: real time, no expiry
        }
        boolean found = false;
        for (JsonNode rec : audit.get("records")) {
            if ("request".equals(rec.path("type").asString()) && "up".equals(rec.path("service").asString())) {
                found = true;
                assertThat(rec.path("injected").asBoolean()).isTrue();
                assertThat(rec.path("credentials").toString()).contains("UP_KEY");
                assertThat(rec.path("path").asString()).isEqualTo("/v1/models");
                assertThat(rec.path("status").asInt()).isEqualTo(200);
            }
        }
        assertThat(found).as(audit.toString()).isTrue();
        assertThat(Files.readString(dir.resolve("data/audit.jsonl"))).doesNotContain(SECRET).contains("\"type\":\"decision\"");
    }

    @Test
    void connectionOptionNamingTheInjectedHeaderDoesNotStripIt() throws Exception {
        // its own service (longer path prefix than 'up'), so its records do not mix with the other tests'
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"conn","host":"localhost:%d","allow_private":true,"paths":["/conn/**"],
                 "inject":{"bearer":"UP_KEY"}}""".formatted(upstream.getPort())));
        try {
            upstream.enqueue(new MockResponse.Builder().body("{}").build());
            Curl.Result r = curl("https://localhost:" + upstream.getPort() + "/conn/x", "-H", "Connection: authorization",
                    "-H", "Authorization: Bearer PLACEHOLDER");
            assertThat(r.exit()).as(r.err()).isZero();
            RecordedRequest req = upstream.takeRequest(10, TimeUnit.SECONDS);
            assertThat(req.getTarget()).isEqualTo("/conn/x");
            assertThat(req.getHeaders().values("Authorization")).containsExactly("Bearer " + SECRET);
        } finally {
            ts.call("DELETE", "/v1/vaults/default/services/conn", null);
        }
    }

    @Test
    void plaintextInjectionIsRefusedUnlessAPrivateServiceOptsIn() throws Exception {
        try (MockWebServer plain = new MockWebServer()) {
            plain.start();
            plain.enqueue(new MockResponse.Builder().body("plain ok").build());
            ok(ts.call("POST", "/v1/vaults/default/services", """
                    {"name":"plain","host":"localhost:%d","allow_private":true,"inject":{"bearer":"UP_KEY"}}"""
                    .formatted(plain.getPort())));
            Curl.Result r = curl("http://localhost:" + plain.getPort() + "/v1/x");
            assertThat(r.out()).contains("403").containsIgnoringCase("keyway-error: plaintext-refused")
                    .contains("application/problem+json").contains("allow_plaintext: true").doesNotContain(SECRET);
            assertThat(plain.getRequestCount()).as("nothing was sent in clear").isZero();

            var publicHost = ts.call("POST", "/v1/vaults/default/services", """
                    {"name":"pub","host":"api.example.com","allow_plaintext":true,"inject":{"bearer":"UP_KEY"}}""");
            assertThat(publicHost.statusCode()).isEqualTo(422);
            assertThat(publicHost.body()).contains("\"field\":\"allow_plaintext\"").contains("private or loopback host");

            ok(ts.call("PUT", "/v1/vaults/default/services/plain", """
                    {"name":"plain","host":"localhost:%d","allow_private":true,"allow_plaintext":true,
                     "inject":{"bearer":"UP_KEY"}}""".formatted(plain.getPort())));
            assertThat(ok(ts.call("GET", "/v1/vaults/default/services/plain", null))).contains("\"allow_plaintext\":true");
            r = curl("http://localhost:" + plain.getPort() + "/v1/x");
            assertThat(r.out()).contains("plain ok").doesNotContain(SECRET);
            RecordedRequest req = plain.takeRequest(10, TimeUnit.SECONDS);
            assertThat(req.getHeaders().values("Authorization")).containsExactly("Bearer " + SECRET);
        } finally {
            ts.call("DELETE", "/v1/vaults/default/services/plain", null);
        }
    }

    @Test
    void methodOutsideTheServiceRulesIsDeniedWithAProblem() throws Exception {
        Curl.Result r = curl("-X", "POST", "https://localhost:" + upstream.getPort() + "/v1/models");
        assertThat(r.out()).contains("403").containsIgnoringCase("keyway-error: service-rule-denied")
                .contains("application/problem+json").doesNotContain(SECRET);
    }

    @Test
    void wrongTokenGets407() throws Exception {
        Curl.Result r = Curl.run("-sS", "--max-time", "30", "--proxy", "http://kw_tok_nope:default@127.0.0.1:" + ts.server.proxyPort(),
                "--cacert", keywayCa.toString(), "-w", "%{http_connect}", "-o", "/dev/null",
                "https://localhost:" + upstream.getPort() + "/v1/models");
        assertThat(r.out()).endsWith("407");
    }

    @Test
    void denyPolicyAnswersUnmatchedHostsInsideTheTunnel() throws Exception {
        ok(ts.call("POST", "/v1/vaults", "{\"name\":\"strict\",\"unmatched\":\"deny\"}"));
        String t = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"strict\",\"ttl\":\"1h\"}"))).get("token").asString();
        // example.org is never resolved nor contacted: the CONNECT is accepted and answered by Keyway
        Curl.Result r = Curl.run("-sS", "--max-time", "30", "--proxy", "http://" + t + ":strict@127.0.0.1:" + ts.server.proxyPort(),
                "--cacert", keywayCa.toString(), "-i", "-w", "\n%{http_connect}", "https://example.org/");
        assertThat(r.out()).contains("403").containsIgnoringCase("keyway-error: unmatched-host-denied")
                .contains("no service in vault 'strict' matches example.org:443 and the vault denies unmatched hosts. "
                        + "Ask an operator to add one")
                .endsWith("\n200");
        List<JsonNode> denied = List.of();
        for (int i = 0; i < 100 && denied.isEmpty(); i++) {
            Thread.sleep(50);
            JsonNode audit = JSON.readTree(ok(ts.call("GET", "/v1/vaults/strict/audit?limit=50", null)));
            denied = audit.get("records").valueStream().filter(rec -> !rec.get("type").asString().equals("control")).toList();
        }
        assertThat(denied).singleElement().satisfies(rec -> {
            assertThat(rec.get("type").asString()).isEqualTo("denied");
            assertThat(rec.get("method").asString()).isEqualTo("CONNECT");
            assertThat(rec.get("error_type").asString()).isEqualTo("unmatched-host-denied");
        });
    }

    @Test
    void revokedTokenStopsWorking() throws Exception {
        JsonNode t = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}")));
        ok(ts.call("DELETE", "/v1/tokens/" + t.get("id").asString(), null));
        Curl.Result r = Curl.run("-sS", "-v", "--max-time", "30", "--proxy",
                "http://" + t.get("token").asString() + ":default@127.0.0.1:" + ts.server.proxyPort(),
                "-w", "%{http_connect}", "-o", "/dev/null", "https://localhost:" + upstream.getPort() + "/v1/models");
        assertThat(r.out()).endsWith("407");
        assertThat(r.err()).contains("407 Keyway token revoked: create a new one (keyway token create)");
        // the audit record says why and which token (by id, never its value)
        String id = t.get("id").asString();
        Path log = dir.resolve("data/audit.jsonl");
        String line = null;
        for (int i = 0; i < 100 && line == null; i++) {
            line = Files.readAllLines(log).stream().filter(l -> l.contains("\"reason\":\"revoked\"")).findFirst().orElse(null);
            if (line == null) {
                Thread.sleep(50);
            }
        }
        assertThat(line).as("a denied record with reason revoked").isNotNull();
        JsonNode rec = JSON.readTree(line);
        assertThat(rec.get("type").asString()).isEqualTo("denied");
        assertThat(rec.get("status").asInt()).isEqualTo(407);
        assertThat(rec.get("token_id").asString()).isEqualTo(id);
        assertThat(line).doesNotContain(t.get("token").asString());
    }
}
