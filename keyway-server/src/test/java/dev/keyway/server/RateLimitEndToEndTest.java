package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rate limits end to end with real curl through the proxy to a local HTTPS upstream that records each
 * request it receives before answering. The server's clock is a {@link MutableClock} the test moves
 * (it starts at the real time because curl checks the minted leaves against it), so "within a
 * window" is exact: no bucket refills unless the test advances the clock. Each test uses its own
 * service (its own path on the upstream) and so its own limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitEndToEndTest {
    static final String SECRET_A = "sk-limit-canary-a-4f1c";
    static final String SECRET_B = "sk-limit-canary-b-9e2d";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    final MutableClock clock = new MutableClock(java.time.Instant.now());
    /** Upstream requests by first path segment, recorded before the response is sent. */
    final Map<String, ConcurrentLinkedQueue<String>> seen = new ConcurrentHashMap<>();
    MockWebServer upstream;
    TestServer ts;
    String adminProxy;
    Path keywayCa;

    @BeforeAll
    void start() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String target = String.valueOf(r.getTarget());
                String segment = target.split("/")[1];
                seen.computeIfAbsent(segment, k -> new ConcurrentLinkedQueue<>()).add(target);
                return new MockResponse.Builder().code(200).body("upstream-ok").build();
            }
        });
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        ts = TestServer.start(ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of()),
                clock);
        keywayCa = dir.resolve("data/ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/KEY_A", "{\"value\":\"" + SECRET_A + "\"}"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/KEY_B", "{\"value\":\"" + SECRET_B + "\"}"));
        for (String name : List.of("burst", "retry", "agentsvc", "removed", "yaml")) {
            service(name, "KEY_A");
        }
        service("creda", "KEY_A");
        service("credb", "KEY_B");
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}"))).get("token").asString();
        adminProxy = proxy(token);
    }

    private void service(String name, String credential) throws Exception {
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"%s","host":"localhost:%d","allow_private":true,"paths":["/%s/**"],"inject":{"bearer":"%s"}}"""
                .formatted(name, upstream.getPort(), name, credential)));
    }

    private String proxy(String token) {
        return "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
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

    private String setLimit(String body) throws Exception {
        HttpResponse<String> r = ts.call("POST", "/v1/limits", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).get("id").asString();
    }

    private int upstreamCount(String segment) {
        ConcurrentLinkedQueue<String> q = seen.get(segment);
        return q == null ? 0 : q.size();
    }

    /** One curl request; returns status line + headers + body. */
    private Curl.Result curl(String proxyUrl, String path) throws Exception {
        Curl.Result r = Curl.run("-sS", "-i", "--suppress-connect-headers", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(),
                "https://localhost:" + upstream.getPort() + path);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain(SECRET_A).doesNotContain(SECRET_B);
        return r;
    }

    private static int status(Curl.Result r) {
        return Integer.parseInt(r.out().split(" ", 3)[1]);
    }

    private static String body(Curl.Result r) {
        String out = r.out().replace("\r\n", "\n");
        return out.substring(out.indexOf("\n\n") + 2);
    }

    private static @org.jspecify.annotations.Nullable String header(Curl.Result r, String name) {
        for (String line : r.out().split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).equalsIgnoreCase(name)) {
                return line.substring(c + 1).strip();
            }
        }
        return null;
    }

    /** 16 curl processes at once, 5 requests each on one connection: exactly the 25 the limit allows reach the upstream. */
    @Test
    void exactlyTheLimitIsForwardedUnderSixteenConcurrentClients() throws Exception {
        setLimit("{\"vault\":\"default\",\"service\":\"burst\",\"requests\":25,\"per\":\"1h\"}");
        String url = "https://localhost:" + upstream.getPort() + "/burst/x";
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Curl.Result>> runs = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                runs.add(pool.submit(() -> Curl.run("-sS", "--max-time", "60", "--proxy", adminProxy, "--cacert", keywayCa.toString(),
                        "-w", "%{http_code}\\n", "-o", "/dev/null", url, "-o", "/dev/null", url, "-o", "/dev/null", url,
                        "-o", "/dev/null", url, "-o", "/dev/null", url)));
            }
            int ok = 0;
            int limited = 0;
            for (Future<Curl.Result> f : runs) {
                Curl.Result r = f.get(120, TimeUnit.SECONDS);
                assertThat(r.exit()).as(r.err()).isZero();
                for (String code : r.out().strip().split("\n")) {
                    switch (code) {
                        case "200" -> ok++;
                        case "429" -> limited++;
                        default -> throw new AssertionError("unexpected status " + code);
                    }
                }
            }
            assertThat(ok).isEqualTo(25);
            assertThat(limited).isEqualTo(80 - 25);
            assertThat(upstreamCount("burst")).isEqualTo(25);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void overTheLimitIs429WithRetryAfterAuditedAndNothingForwardedUntilTheBucketRefills() throws Exception {
        // 2 per minute: after the burst of 2, one token every 30 s
        setLimit("{\"vault\":\"default\",\"service\":\"retry\",\"requests\":2,\"per\":\"1m\"}");
        assertThat(status(curl(adminProxy, "/retry/1"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/retry/2"))).isEqualTo(200);
        Curl.Result limited = curl(adminProxy, "/retry/3");
        assertThat(status(limited)).isEqualTo(429);
        assertThat(header(limited, "Retry-After")).isEqualTo("30");
        assertThat(header(limited, "Content-Type")).isEqualTo("application/problem+json");
        assertThat(header(limited, "Keyway-Error")).isEqualTo("rate-limited");
        JsonNode problem = JSON.readTree(body(limited));
        assertThat(problem.get("type").asString()).endsWith("rate-limited");
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("detail").asString()).contains("2 requests per 1m for service retry").contains("Retry-After");
        assertThat(problem.get("retry_after").asLong()).isEqualTo(30);
        assertThat(upstreamCount("retry")).isEqualTo(2);

        clock.advance(Duration.ofSeconds(20));
        Curl.Result later = curl(adminProxy, "/retry/4");
        assertThat(status(later)).isEqualTo(429);
        assertThat(header(later, "Retry-After")).isEqualTo("10");
        clock.advance(Duration.ofSeconds(10));
        assertThat(status(curl(adminProxy, "/retry/5"))).isEqualTo(200);
        assertThat(seen.get("retry")).containsExactly("/retry/1", "/retry/2", "/retry/5");

        // the refusals are audited as denied requests of the service, with the problem type
        Path audit = dir.resolve("data/audit.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> denied = List.of();
        while (System.nanoTime() < deadline) {
            denied = Files.readAllLines(audit).stream()
                    .filter(l -> l.contains("\"denied\"") && l.contains("rate-limited") && l.contains("\"retry\"")).toList();
            if (denied.size() >= 2) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(denied).hasSize(2);
        assertThat(String.join("\n", denied)).doesNotContain(SECRET_A);
    }

    @Test
    void aLimitByAgentCountsOnlyThatAgentsRequests() throws Exception {
        HttpResponse<String> made = ts.call("POST", "/v1/agents", "{\"name\":\"limited-bot\",\"vaults\":[{\"vault\":\"default\"}]}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String botProxy = proxy(JSON.readTree(made.body()).get("token").asString());
        setLimit("{\"vault\":\"default\",\"agent\":\"limited-bot\",\"requests\":1,\"per\":\"1h\"}");
        assertThat(status(curl(botProxy, "/agentsvc/1"))).isEqualTo(200);
        Curl.Result second = curl(botProxy, "/agentsvc/2");
        assertThat(status(second)).isEqualTo(429);
        assertThat(JSON.readTree(body(second)).get("detail").asString()).contains("agent limited-bot");
        // other callers of the same service are not counted against the agent's limit
        assertThat(status(curl(adminProxy, "/agentsvc/3"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/agentsvc/4"))).isEqualTo(200);
        assertThat(seen.get("agentsvc")).containsExactly("/agentsvc/1", "/agentsvc/3", "/agentsvc/4");
    }

    @Test
    void aLimitByCredentialCountsOnlyRequestsThatInjectIt() throws Exception {
        setLimit("{\"vault\":\"default\",\"credential\":\"KEY_B\",\"requests\":1,\"per\":\"1h\"}");
        assertThat(status(curl(adminProxy, "/credb/1"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/credb/2"))).isEqualTo(429);
        assertThat(status(curl(adminProxy, "/creda/1"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/creda/2"))).isEqualTo(200);
        assertThat(upstreamCount("credb")).isEqualTo(1);
        assertThat(upstreamCount("creda")).isEqualTo(2);
    }

    @Test
    void removingTheLimitLetsTrafficFlowAgain() throws Exception {
        String id = setLimit("{\"vault\":\"default\",\"service\":\"removed\",\"requests\":1,\"per\":\"1d\"}");
        assertThat(status(curl(adminProxy, "/removed/1"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/removed/2"))).isEqualTo(429);
        JsonNode listed = JSON.readTree(ok(ts.call("GET", "/v1/limits?vault=default", null)));
        assertThat(listed.get("limits").valueStream().map(l -> l.get("id").asString())).contains(id);
        assertThat(ts.call("DELETE", "/v1/limits/" + id, null).statusCode()).isEqualTo(204);
        assertThat(status(curl(adminProxy, "/removed/3"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/removed/4"))).isEqualTo(200);
        assertThat(seen.get("removed")).containsExactly("/removed/1", "/removed/3", "/removed/4");
        assertThat(ts.call("DELETE", "/v1/limits/" + id, null).statusCode()).isEqualTo(404);
    }

    @Test
    void settingALimitIsValidated() throws Exception {
        assertThat(ts.call("POST", "/v1/limits", "{\"vault\":\"default\",\"requests\":0,\"per\":\"1m\"}").statusCode()).isEqualTo(422);
        assertThat(ts.call("POST", "/v1/limits", "{\"vault\":\"default\",\"requests\":5,\"per\":\"500ms\"}").statusCode()).isEqualTo(422);
        assertThat(ts.call("POST", "/v1/limits", "{\"vault\":\"default\",\"requests\":5}").statusCode()).isEqualTo(422);
        assertThat(ts.call("POST", "/v1/limits", "{\"vault\":\"nope\",\"requests\":5,\"per\":\"1m\"}").statusCode()).isEqualTo(404);
        assertThat(ts.call("POST", "/v1/limits", "{\"vault\":\"default\",\"service\":\"nope\",\"requests\":5,\"per\":\"1m\"}")
                .statusCode()).isEqualTo(404);
        assertThat(ts.call("POST", "/v1/limits", "{\"vault\":\"default\",\"agent\":\"nope\",\"requests\":5,\"per\":\"1m\"}")
                .statusCode()).isEqualTo(404);
        assertThat(ts.call("POST", "/v1/limits", "{\"vault\":\"default\",\"credential\":\"NOPE\",\"requests\":5,\"per\":\"1m\"}")
                .statusCode()).isEqualTo(404);
    }
    /** The vault's services as {@code service export} reads them, with {@code limits:} set on service {@code name}. */
    private ObjectNode servicesWith(String name, String limitsJson) throws Exception {
        JsonNode listed = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/services", null))).get("services");
        ArrayNode services = JSON.createArrayNode();
        for (JsonNode s : listed) {
            ObjectNode copy = ((ObjectNode) s).deepCopy();
            if (copy.get("name").asString().equals(name)) {
                copy.set("limits", JSON.readTree(limitsJson));
            }
            services.add(copy);
        }
        ObjectNode doc = JSON.createObjectNode();
        doc.set("services", services);
        return doc;
    }

    private HttpResponse<String> apply(ObjectNode doc, boolean dry, @org.jspecify.annotations.Nullable String token) throws Exception {
        return ts.call("PUT", "/v1/vaults/default/services" + (dry ? "?dry_run=true" : ""), doc.toString(),
                token == null ? ts.adminToken : token);
    }

    private int index(ObjectNode doc, String name) {
        for (int i = 0; i < doc.get("services").size(); i++) {
            if (doc.get("services").get(i).get("name").asString().equals(name)) {
                return i;
            }
        }
        throw new AssertionError(name);
    }

    /**
     * {@code limits:} in a services.yaml entry (the service implied) is stored like {@code limit set
     * --service}: it throttles the proxy, shows in {@code limit list}, comes back out of the list that
     * {@code service export} writes, and applying that again changes nothing. Only the instance
     * owner may change limits this way; a vault member's apply that would is refused whole.
     */
    @Test
    void limitsInServicesYamlApplyLikeLimitSetAndRoundTripThroughExport() throws Exception {
        HttpResponse<String> made = ts.call("POST", "/v1/agents", "{\"name\":\"yaml-member\",\"vaults\":[{\"vault\":\"default\","
                + "\"role\":\"member\"}]}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String memberToken = JSON.readTree(made.body()).get("token").asString();
        ObjectNode doc = servicesWith("yaml", "[{\"requests\":3,\"per\":\"1h\"},"
                + "{\"requests\":1,\"per\":\"1d\",\"agent\":\"yaml-member\",\"credential\":\"KEY_A\"}]");

        JsonNode dry = JSON.readTree(ok(apply(doc, true, null)));
        assertThat(dry.get("changed").valueStream().map(JsonNode::asString)).containsExactly("yaml");
        assertThat(dry.get("changes").get(0).get("fields").get(0).get("field").asString()).isEqualTo("limits");
        assertThat(dry.get("changes").get(0).get("fields").get(0).get("after").asString())
                .isEqualTo("[3 per 1h; 1 per 1d (agent yaml-member, credential KEY_A)]");
        assertThat(ts.call("GET", "/v1/limits?vault=default", null).body()).as("a dry run changes nothing")
                .doesNotContain("\"service\":\"yaml\"");

        HttpResponse<String> byMember = apply(doc, false, memberToken);
        assertThat(byMember.statusCode()).as(byMember.body()).isEqualTo(403);
        assertThat(JSON.readTree(byMember.body()).get("field").asString()).isEqualTo("services[" + index(doc, "yaml") + "].limits");
        assertThat(ts.call("GET", "/v1/limits?vault=default", null).body()).doesNotContain("\"service\":\"yaml\"");

        ok(apply(doc, false, null));
        List<JsonNode> limits = JSON.readTree(ok(ts.call("GET", "/v1/limits?vault=default", null))).get("limits").valueStream()
                .filter(l -> "yaml".equals(l.get("service").asString(null))).toList();
        assertThat(limits).extracting(l -> l.get("requests").asLong() + "/" + l.get("per").asString() + "/"
                + l.get("agent").asString(null) + "/" + l.get("credential").asString(null))
                .containsExactlyInAnyOrder("3/1h/null/null", "1/1d/yaml-member/KEY_A");
        assertThat(status(curl(adminProxy, "/yaml/1"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/yaml/2"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/yaml/3"))).isEqualTo(200);
        assertThat(status(curl(adminProxy, "/yaml/4"))).isEqualTo(429);
        assertThat(upstreamCount("yaml")).isEqualTo(3);

        // export -> apply is a no-op, also for a member (nothing about the limits changes)
        JsonNode exported = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/services", null))).get("services");
        JsonNode yaml = exported.valueStream().filter(s -> s.get("name").asString().equals("yaml")).findFirst().orElseThrow();
        assertThat(yaml.get("limits").toString())
                .isEqualTo("[{\"requests\":3,\"per\":\"1h\"},{\"requests\":1,\"per\":\"1d\",\"agent\":\"yaml-member\","
                        + "\"credential\":\"KEY_A\"}]");
        ObjectNode again = JSON.createObjectNode();
        again.set("services", exported);
        JsonNode noop = JSON.readTree(ok(apply(again, false, memberToken)));
        assertThat(noop.get("added")).isEmpty();
        assertThat(noop.get("changed")).isEmpty();
        assertThat(noop.get("removed")).isEmpty();
        assertThat(status(curl(adminProxy, "/yaml/5"))).as("an unchanged limit keeps its bucket").isEqualTo(429);

        // an entry without 'limits' keeps them (with a warning); 'limits: []' removes them
        ObjectNode without = servicesWith("yaml", "[]");
        ((ObjectNode) without.get("services").get(index(without, "yaml"))).remove("limits");
        JsonNode kept = JSON.readTree(ok(apply(without, true, null)));
        assertThat(kept.get("changed")).isEmpty();
        assertThat(kept.get("warnings").toString()).contains("service yaml has 2 rate limit(s) that this file does not list");
        ok(apply(servicesWith("yaml", "[]"), false, null));
        assertThat(ts.call("GET", "/v1/limits?vault=default", null).body()).doesNotContain("\"service\":\"yaml\"");
        assertThat(status(curl(adminProxy, "/yaml/6"))).isEqualTo(200);
    }

    /** Bad {@code limits:} entries are 422 naming the field, and nothing of the file is applied. */
    @Test
    void limitsInServicesYamlAreValidatedWithTheirField() throws Exception {
        String[][] cases = {
            {"[{\"requests\":0,\"per\":\"1m\"}]", "limits[0].requests"},
            {"[{\"requests\":5,\"per\":\"500ms\"}]", "limits[0].per"},
            {"[{\"requests\":5}]", "limits[0].per"},
            {"[{\"per\":\"1m\"}]", "limits[0].requests"},
            {"[{\"requests\":5,\"per\":\"1m\",\"service\":\"other\"}]", "limits[0].service"},
            {"[{\"requests\":5,\"per\":\"1m\",\"agent\":\"nobody-here\"}]", "limits[0].agent"},
            {"[{\"requests\":5,\"per\":\"1m\",\"agent\":\"a\",\"token_id\":\"tok_x\"}]", "limits[0].agent"},
            {"[{\"requests\":5,\"per\":\"1m\",\"credential\":\"lower\"}]", "limits[0].credential"},
            {"[{\"requests\":5,\"per\":\"1m\"},{\"requests\":6,\"per\":\"1m\"}]", "limits[1]"},
            {"{\"requests\":5}", "limits"},
        };
        for (String[] c : cases) {
            ObjectNode doc = servicesWith("yaml", c[0]);
            HttpResponse<String> r = apply(doc, false, null);
            assertThat(r.statusCode()).as(c[0] + " " + r.body()).isEqualTo(422);
            JsonNode problem = JSON.readTree(r.body());
            String field = "services[" + index(doc, "yaml") + "]." + c[1];
            assertThat(problem.get("field").asString()).as(c[0]).isEqualTo(field);
            assertThat(problem.get("detail").asString()).as(c[0]).startsWith(field);
        }
        assertThat(ts.call("GET", "/v1/limits?vault=default", null).body()).doesNotContain("\"service\":\"yaml\"");
    }
}
