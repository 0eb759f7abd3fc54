package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
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
 * Composite values end to end: a service whose header template is {@code Basic {base64(JIRA_EMAIL +
 * ":" + JIRA_TOKEN)}}, real curl through the proxy to a local HTTPS upstream. The upstream receives
 * the header computed from both credentials; rotating one of them changes the header on the next
 * request (the cached value is keyed by the credentials' versions); a bad expression is refused when
 * the service is saved, with its position; nothing of the values reaches the client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompositeValueEndToEndTest {
    static final String EMAIL = "agent@example.com";
    static final String TOKEN_1 = "ATATT-composite-canary-one";
    static final String TOKEN_2 = "ATATT-composite-canary-two";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    MockWebServer upstream;
    TestServer ts;
    String proxyUrl;
    Path keywayCa;

    @BeforeAll
    void start() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        Path data = dir.resolve("data");
        ts = TestServer.start(ServerConfig.defaults(data).withPorts(0, 0).withUpstream(caFile, null, true, List.of()));
        keywayCa = data.resolve("ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/JIRA_EMAIL", "{\"value\":\"" + EMAIL + "\"}"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/JIRA_TOKEN", "{\"value\":\"" + TOKEN_1 + "\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"jira","host":"localhost:%d","allow_private":true,"paths":["/rest/**"],
                 "inject":{"header":{"Authorization":"Basic {base64(JIRA_EMAIL + \\":\\" + JIRA_TOKEN)}"}}}"""
                .formatted(upstream.getPort())));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"signed","host":"localhost:%d","allow_private":true,"paths":["/signed/**"],
                 "inject":{"query":{"sig":"{hmac_sha256(JIRA_TOKEN, \\"GET\\")}"}}}"""
                .formatted(upstream.getPort())));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}")))
                .get("token").asString();
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

    private RecordedRequest curlAndTake(String path) throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("{\"ok\":true}").build());
        Curl.Result r = Curl.run("-sS", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(),
                "-H", "Authorization: Basic cGxhY2Vob2xkZXI=", "https://localhost:" + upstream.getPort() + path);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("{\"ok\":true}");
        assertThat(r.out() + r.err()).doesNotContain(TOKEN_1).doesNotContain(TOKEN_2).doesNotContain(basic(TOKEN_1));
        RecordedRequest req = upstream.takeRequest(10, TimeUnit.SECONDS);
        assertThat(req).as("upstream request").isNotNull();
        return req;
    }

    private static String basic(String token) {
        return Base64.getEncoder().encodeToString((EMAIL + ":" + token).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void upstreamReceivesTheComputedHeaderAndARotationChangesIt() throws Exception {
        RecordedRequest first = curlAndTake("/rest/api/3/myself");
        assertThat(first.getHeaders().values("Authorization")).containsExactly("Basic " + basic(TOKEN_1));
        // served from the cache: same value again
        assertThat(curlAndTake("/rest/api/3/myself").getHeaders().values("Authorization"))
                .containsExactly("Basic " + basic(TOKEN_1));

        ok(ts.call("PUT", "/v1/vaults/default/credentials/JIRA_TOKEN", "{\"value\":\"" + TOKEN_2 + "\"}"));
        try {
            RecordedRequest rotated = curlAndTake("/rest/api/3/myself");
            assertThat(rotated.getHeaders().values("Authorization")).containsExactly("Basic " + basic(TOKEN_2));

            // a query value from an expression: HMAC-SHA256 (hex) of "GET" keyed with the token
            RecordedRequest signed = curlAndTake("/signed/x?a=1");
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(TOKEN_2.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String hex = java.util.HexFormat.of().formatHex(mac.doFinal("GET".getBytes(StandardCharsets.UTF_8)));
            assertThat(signed.getTarget()).isEqualTo("/signed/x?a=1&sig=" + hex);
        } finally {
            ok(ts.call("PUT", "/v1/vaults/default/credentials/JIRA_TOKEN", "{\"value\":\"" + TOKEN_1 + "\"}"));
        }
    }

    @Test
    void aBadExpressionIsRefusedWhenSavedWithItsPosition() throws Exception {
        HttpResponse<String> r = ts.call("POST", "/v1/vaults/default/services", """
                {"name":"bad","host":"bad.example.com",
                 "inject":{"header":{"Authorization":"Basic {base64(JIRA_EMAIL, JIRA_TOKEN)}"}}}""");
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("type").asString()).endsWith("validation");
        assertThat(p.get("field").asString()).isEqualTo("inject.header.Authorization");
        assertThat(p.get("detail").asString()).contains("base64 at position 7 takes 1 argument, not 2");

        HttpResponse<String> unknown = ts.call("POST", "/v1/vaults/default/services", """
                {"name":"bad","host":"bad.example.com","inject":{"query":{"k":"{sha1(JIRA_TOKEN)}"}}}""");
        assertThat(unknown.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(unknown.body()).get("detail").asString()).contains("unknown function 'sha1' at position 1");
        assertThat(ts.call("GET", "/v1/vaults/default/services/bad", null).statusCode()).isEqualTo(404);
    }
}
