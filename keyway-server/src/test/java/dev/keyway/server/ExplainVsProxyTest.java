package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code explain} against the proxy: for each row, the API's dry run and a real curl request through
 * the proxy for the same principal, method and URL, and the two must agree: an explained injection
 * reaches the upstream with the service's header, an explained denial is the exact status,
 * {@code Keyway-Error} type and problem detail curl receives (and the upstream receives nothing).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExplainVsProxyTest {
    static final String SECRET = "sk-explain-canary-7f3a9c";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    MockWebServer upstream;
    TestServer ts;
    Path keywayCa;
    int port;
    final Map<String, String> tokens = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().body("from-upstream").build();
            }
        });
        upstream.start();
        port = upstream.getPort();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        Path data = dir.resolve("data");
        ts = TestServer.start(ServerConfig.defaults(data).withPorts(0, 0).withUpstream(caFile, null, true, List.of()));
        keywayCa = data.resolve("ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + SECRET + "\"}"));
        String host = "localhost:" + port;
        service("default", """
                {"name":"up","host":"%s","allow_private":true,"methods":["GET"],"paths":["/v1/**"],"inject":{"bearer":"UP_KEY"}}""", host);
        service("default", """
                {"name":"models","host":"%s","allow_private":true,"paths":["/v1/models/**"],
                 "inject":{"header":{"X-Key":"k={UP_KEY}"}}}""", host);
        service("default", """
                {"name":"off","host":"%s","allow_private":true,"enabled":false,"paths":["/off/**"],"inject":{"bearer":"UP_KEY"}}""", host);
        service("default", """
                {"name":"nokey","host":"%s","allow_private":true,"paths":["/nokey/**"],"inject":{"bearer":"MISSING_KEY"}}""", host);
        ok(ts.call("POST", "/v1/vaults", "{\"name\":\"strict\",\"unmatched\":\"deny\"}"));
        tokens.put("token", token(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}"))));
        tokens.put("strict", token(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"strict\",\"ttl\":\"1h\"}"))));
        tokens.put("narrow", token(ok(ts.call("POST", "/v1/agents",
                "{\"name\":\"narrow\",\"vaults\":[{\"vault\":\"default\",\"role\":\"proxy\"}],\"services\":[\"models\"]}"))));
    }

    private void service(String vault, String json, String host) throws Exception {
        ok(ts.call("POST", "/v1/vaults/" + vault + "/services", json.formatted(host)));
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

    static String token(String body) {
        return JSON.readTree(body).get("token").asString();
    }

    /** What curl saw through the proxy. */
    record Seen(int status, @Nullable String keywayError, String body, @Nullable RecordedRequest upstream) {}

    private Seen throughProxy(String who, String vault, String method, String url) throws Exception {
        int before = upstream.getRequestCount();
        List<String> args = new ArrayList<>(List.of("-sS", "--max-time", "30", "--proxy",
                "http://" + tokens.get(who) + ":" + vault + "@127.0.0.1:" + ts.server.proxyPort(), "--cacert", keywayCa.toString(),
                "-X", method, "-D", "-", url));
        Curl.Result r = Curl.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        String out = r.out();
        // curl -D prints the proxy's CONNECT answer (200 Connection established) before the response's head
        while (out.startsWith("HTTP/1.1 200") && out.indexOf("\r\n\r\nHTTP/") > 0
                && out.substring(0, out.indexOf("\r\n")).toLowerCase(java.util.Locale.ROOT).contains("established")) {
            out = out.substring(out.indexOf("\r\n\r\n") + 4);
        }
        String[] parts = out.split("\r\n\r\n", 2);
        String head = parts[0];
        int status = Integer.parseInt(head.split(" ")[1]);
        String error = null;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("keyway-error:")) {
                error = line.substring(line.indexOf(':') + 1).strip();
            }
        }
        RecordedRequest got = status == 200 ? upstream.takeRequest(10, TimeUnit.SECONDS) : null;
        if (status != 200) {
            assertThat(upstream.getRequestCount()).as("a refused request reaches no upstream").isEqualTo(before);
        }
        assertThat(r.out()).doesNotContain(SECRET);
        return new Seen(status, error, parts.length > 1 ? parts[1] : "", got);
    }

    private JsonNode explain(String vault, String method, String url, @Nullable String token, @Nullable String agent)
            throws Exception {
        Map<String, Object> body = new HashMap<>();
        body.put("url", url);
        body.put("method", method);
        if (token != null) {
            body.put("token", token);
        }
        if (agent != null) {
            body.put("agent", agent);
        }
        String out = ok(ts.call("POST", "/v1/vaults/" + vault + "/explain", JSON.writeValueAsString(body)));
        assertThat(out).doesNotContain(SECRET);
        return JSON.readTree(out);
    }

    @ParameterizedTest(name = "{0} {2} {3} -> {4}")
    @CsvSource(delimiter = '|', textBlock = """
            # who    | vault   | method | url                              | decision | service | status | error type            | header
            token    | default | GET    | https://localhost:PORT/v1/chat   | inject   | up      | 200    |                       | Authorization=Bearer SECRET
            token    | default | GET    | https://localhost:PORT/v1/models/m | inject | models  | 200    |                       | X-Key=k=SECRET
            token    | default | POST   | https://localhost:PORT/v1/chat   | deny     | up      | 403    | service-rule-denied   |
            token    | default | GET    | https://localhost:PORT/other     | deny     | up      | 403    | service-rule-denied   |
            token    | default | GET    | https://localhost:PORT/off/x     | deny     | off     | 403    | service-disabled      |
            token    | default | GET    | http://localhost:PORT/v1/chat    | deny     | up      | 403    | plaintext-refused     |
            token    | default | GET    | https://localhost:PORT/nokey/x   | inject   | nokey   | 502    | credential-unavailable |
            narrow   | default | GET    | https://localhost:PORT/v1/chat   | deny     | up      | 403    | service-rule-denied   |
            narrow   | default | GET    | https://localhost:PORT/v1/models/m | inject | models  | 200    |                       | X-Key=k=SECRET
            strict   | strict  | GET    | https://localhost:PORT/v1/chat   | deny     |         | 403    | unmatched-host-denied |
            """)
    void explainAgreesWithTheProxy(String who, String vault, String method, String urlTemplate, String decision,
            @Nullable String service, int status, @Nullable String errorType, @Nullable String header) throws Exception {
        String url = urlTemplate.replace("PORT", Integer.toString(port));
        JsonNode e = explain(vault, method, url, who.equals("narrow") ? null : tokens.get(who),
                who.equals("narrow") ? "narrow" : null);
        Seen seen = throughProxy(who, vault, method, url);

        assertThat(e.get("decision").asString()).as(e.toString()).isEqualTo(decision);
        assertThat(e.path("service").isNull() || e.path("service").isMissingNode() ? null : e.get("service").asString())
                .isEqualTo(service);
        assertThat(seen.status()).as(seen.body()).isEqualTo(status);
        if (decision.equals("deny")) {
            // the explanation is the problem the agent receives, word for word
            assertThat(e.get("status").asInt()).isEqualTo(seen.status());
            assertThat(e.get("error_type").asString()).isEqualTo(seen.keywayError()).isEqualTo(errorType);
            assertThat(JSON.readTree(seen.body()).get("detail").asString()).isEqualTo(e.get("detail").asString());
        } else if (status == 200) {
            String[] kv = header.split("=", 2);
            assertThat(seen.upstream()).isNotNull();
            assertThat(seen.upstream().getHeaders().values(kv[0])).containsExactly(kv[1].replace("SECRET", SECRET));
            assertThat(e.get("injection").get("credentials").toString()).isEqualTo("[\"UP_KEY\"]");
            assertThat(e.get("injection").get("missing_credentials").size()).isZero();
        } else {
            // explained as an injection whose credential is missing: the proxy refuses it for that reason
            assertThat(seen.keywayError()).isEqualTo(errorType);
            assertThat(e.get("injection").get("missing_credentials").toString()).isEqualTo("[\"MISSING_KEY\"]");
        }
    }

    @Test
    void candidatesAndTheDecidingRuleAreReported() throws Exception {
        JsonNode e = explain("default", "GET", "https://localhost:" + port + "/v1/models/m", null, null);
        List<String> order = new ArrayList<>();
        e.get("candidates").forEach(c -> order.add(c.get("service").asString()));
        assertThat(order).containsExactly("models", "up", "nokey", "off");
        assertThat(e.get("rule").asString()).isEqualTo("the longer literal path prefix (11 characters for 'models', 4 for 'up')");
        assertThat(e.get("connect").asString()).isEqualTo("intercept-service");

        JsonNode narrow = explain("default", "GET", "https://localhost:" + port + "/v1/chat", null, "narrow");
        assertThat(narrow.get("services_allowed").toString()).isEqualTo("[\"models\"]");
        assertThat(narrow.get("candidates_not_granted").toString()).contains("\"up\"");
    }

    /**
     * An agent with only the proxy role (what {@code keyway run} and the MCP server hold) may explain
     * its own requests, with the proxy's verdict, but is not told the names of services it is not
     * granted, and may not explain for another token.
     */
    @Test
    void aProxyRoleAgentExplainsItsOwnRequestsOnly() throws Exception {
        String narrow = tokens.get("narrow");
        HttpResponse<String> own = ts.call("POST", "/v1/vaults/default/explain",
                "{\"url\":\"https://localhost:" + port + "/v1/models/m\"}", narrow);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        JsonNode e = JSON.readTree(own.body());
        assertThat(e.get("decision").asString()).isEqualTo("inject");
        assertThat(e.get("services_allowed").toString()).isEqualTo("[\"models\"]");
        assertThat(e.has("candidates_not_granted")).isFalse();

        HttpResponse<String> other = ts.call("POST", "/v1/vaults/default/explain",
                "{\"url\":\"https://localhost:" + port + "/v1/chat\"}", narrow);
        assertThat(other.statusCode()).isEqualTo(200);
        JsonNode denied = JSON.readTree(other.body());
        Seen seen = throughProxy("narrow", "default", "GET", "https://localhost:" + port + "/v1/chat");
        // the same problem the proxy gives the agent, word for word (it names the service it hit, as the proxy does),
        // but no list of the vault's other services
        assertThat(denied.get("error_type").asString()).isEqualTo(seen.keywayError());
        assertThat(denied.get("detail").asString()).isEqualTo(JSON.readTree(seen.body()).get("detail").asString());
        assertThat(denied.has("candidates_not_granted")).isFalse();
        assertThat(other.body()).doesNotContain("nokey").doesNotContain("\"off\"");

        HttpResponse<String> forAnother = ts.call("POST", "/v1/vaults/default/explain",
                "{\"url\":\"https://localhost:" + port + "/v1/chat\",\"token\":\"" + tokens.get("token") + "\"}", narrow);
        assertThat(forAnother.statusCode()).isEqualTo(403);
    }

    @Test
    void badInputIsAPreciseProblem() throws Exception {
        HttpResponse<String> noScheme = ts.call("POST", "/v1/vaults/default/explain", "{\"url\":\"ftp://x.example.com/\"}");
        assertThat(noScheme.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(noScheme.body()).get("field").asString()).isEqualTo("url");
        HttpResponse<String> both = ts.call("POST", "/v1/vaults/default/explain",
                "{\"url\":\"https://x.example.com/\",\"token\":\"t\",\"agent\":\"narrow\"}");
        assertThat(both.statusCode()).isEqualTo(422);
        HttpResponse<String> badToken = ts.call("POST", "/v1/vaults/default/explain",
                "{\"url\":\"https://x.example.com/\",\"token\":\"kw_not-a-real-token\"}");
        assertThat(badToken.statusCode()).isEqualTo(422);
        assertThat(badToken.body()).doesNotContain("kw_not-a-real-token");
        HttpResponse<String> method = ts.call("POST", "/v1/vaults/default/explain", "{\"url\":\"https://x.example.com/\",\"method\":\"get\"}");
        assertThat(method.statusCode()).isEqualTo(422);
        assertThat(ts.call("POST", "/v1/vaults/nope/explain", "{\"url\":\"https://x.example.com/\"}").statusCode()).isEqualTo(404);
    }
}
