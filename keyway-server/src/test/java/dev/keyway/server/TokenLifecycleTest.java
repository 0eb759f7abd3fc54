package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Token lifecycle (TTL, periodic renewal, max TTL, revoke by token/accessor, rotate) and agent service subsets through the real proxy. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenLifecycleTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String SECRET = "canary-lifecycle-91d2";

    @TempDir
    static Path dir;

    /** The server's time: expiry tests move it instead of sleeping (starts at the real time, so TLS certificates are valid). */
    final MutableClock clock = new MutableClock(
            Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    TestServer ts;
    MockWebServer upstream;
    String proxyBase;
    Path keywayCa;

    @BeforeAll
    void start() throws Exception {
        HttpsUpstream https = HttpsUpstream.start(dir);
        upstream = https.server();
        ts = TestServer.start(https.keywayConfig(dir.resolve("data")), clock);
        keywayCa = dir.resolve("data/ca.pem");
        proxyBase = "127.0.0.1:" + ts.server.proxyPort();
        ok(ts.call("PUT", "/v1/vaults/default/credentials/K", "{\"value\":\"" + SECRET + "\"}"));
        int port = upstream.getPort();
        ok(ts.call("POST", "/v1/vaults/default/services",
                "{\"name\":\"svc-a\",\"host\":\"localhost:" + port + "\",\"allow_private\":true,\"paths\":[\"/a/**\"],\"inject\":{\"bearer\":\"K\"}}"));
        ok(ts.call("POST", "/v1/vaults/default/services",
                "{\"name\":\"svc-c\",\"host\":\"localhost:" + port + "\",\"allow_private\":true,\"paths\":[\"/c/**\"],\"inject\":{\"bearer\":\"K\"}}"));
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
    }

    static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    int whoamiStatus(String token) throws Exception {
        return ts.call("GET", "/v1/auth/whoami", null, token).statusCode();
    }

    /** Waits for background work on real time (TokenUsage flushes every 5 s on a scheduler): never used for expiry. */
    static void eventually(java.util.concurrent.Callable<Boolean> c) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.call()) {
            assertThat(System.nanoTime()).as("condition not reached in 10s").isLessThan(end);
            Thread.sleep(100);
        }
    }

    @Test
    void ttlExpires() throws Exception {
        String t = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"3s\"}")).get("token").asString();
        assertThat(whoamiStatus(t)).isEqualTo(200);
        clock.advance(Duration.ofSeconds(2));
        assertThat(whoamiStatus(t)).as("still inside its TTL").isEqualTo(200);
        clock.advance(Duration.ofSeconds(2));
        assertThat(whoamiStatus(t)).isEqualTo(401);
        assertThat(ts.call("GET", "/v1/auth/whoami", null, t).body()).contains("expired");
    }

    @Test
    void periodicRenewalKeepsATokenAlive() throws Exception {
        JsonNode c = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"period\":\"3s\"}"));
        String t = c.get("token").asString();
        for (int i = 0; i < 4; i++) { // 8 s in all: more than twice the period, alive because renewed every 2 s
            clock.advance(Duration.ofSeconds(2));
            JsonNode r = ok(ts.call("POST", "/v1/tokens/renew-self", "{}", t));
            assertThat(r.get("period").asString()).isEqualTo("3s");
        }
        assertThat(whoamiStatus(t)).isEqualTo(200);
        clock.advance(Duration.ofSeconds(2));
        assertThat(whoamiStatus(t)).as("within the period of the last renewal").isEqualTo(200);
        clock.advance(Duration.ofSeconds(2)); // stops renewing: dies once the period has passed
        assertThat(whoamiStatus(t)).isEqualTo(401);
    }

    @Test
    void renewalPastMaxTtlIsRefused() throws Exception {
        JsonNode c = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"max_ttl\":\"2h\"}"));
        String t = c.get("token").asString();
        ok(ts.call("POST", "/v1/tokens/renew-self", "{\"increment\":\"90m\"}", t));
        var r = ts.call("POST", "/v1/tokens/renew-self", "{\"increment\":\"3h\"}", t);
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("max TTL");
        // renewing by accessor from the minter works the same way
        var byAccessor = ts.call("POST", "/v1/tokens/renew", "{\"accessor\":\"" + c.get("accessor").asString() + "\",\"increment\":\"30m\"}");
        assertThat(byAccessor.statusCode()).isEqualTo(200);
    }

    @Test
    void revokeByTokenAndByAccessorCascadesToChildren() throws Exception {
        String agentToken = ok(ts.call("POST", "/v1/agents", "{\"name\":\"parent\",\"vaults\":[{\"vault\":\"default\"}]}")).get("token").asString();
        JsonNode child = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}", agentToken));
        String childToken = child.get("token").asString();
        assertThat(whoamiStatus(childToken)).isEqualTo(200);
        // the agent can list and revoke what it minted, by accessor
        JsonNode list = ok(ts.call("GET", "/v1/tokens", null, agentToken));
        assertThat(list.toString()).contains(child.get("accessor").asString()).doesNotContain(childToken);
        JsonNode other = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}", agentToken));
        ok(ts.call("POST", "/v1/tokens/revoke", "{\"accessor\":\"" + other.get("accessor").asString() + "\"}", agentToken));
        assertThat(whoamiStatus(other.get("token").asString())).isEqualTo(401);
        // revoking the parent by the token itself kills the child too
        ok(ts.call("POST", "/v1/tokens/revoke", "{\"token\":\"" + agentToken + "\"}"));
        assertThat(whoamiStatus(agentToken)).isEqualTo(401);
        assertThat(whoamiStatus(childToken)).isEqualTo(401);
    }

    @Test
    void scopedTokenCannotOutliveOrOutgrantItsMinter() throws Exception {
        String agent = ok(ts.call("POST", "/v1/agents",
                "{\"name\":\"bounded\",\"vaults\":[{\"vault\":\"default\"}],\"services\":[\"svc-a\"],\"ttl\":\"1h\"}")).get("token").asString();
        assertThat(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"2h\"}", agent).statusCode()).isEqualTo(422);
        assertThat(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30m\",\"services\":[\"svc-c\"]}", agent).statusCode())
                .isEqualTo(403);
        JsonNode ok = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30m\"}", agent));
        assertThat(ok.get("services").toString()).contains("svc-a").doesNotContain("svc-c");
    }

    @Test
    void agentWithoutTtlOrPeriodGetsATokenThatNeverExpires() throws Exception {
        // "default: no expiry" (agent create's help, the console's "no expiry"): no 8h fallback
        JsonNode forever = ok(ts.call("POST", "/v1/agents", "{\"name\":\"forever\",\"vaults\":[{\"vault\":\"default\"}]}"));
        assertThat(forever.has("expires_at") && forever.get("expires_at").isNull()).as(forever.toString()).isTrue();
        String token = forever.get("token").asString();
        JsonNode self = ok(ts.call("GET", "/v1/tokens/lookup-self", null, token));
        assertThat(self.hasNonNull("expires_at")).isFalse();
        assertThat(self.hasNonNull("id")).as(self.toString()).isTrue();
        // renewing it must not give it an end
        ok(ts.call("POST", "/v1/tokens/renew-self", "{}", token));
        JsonNode after = ok(ts.call("GET", "/v1/tokens/lookup-self", null, token));
        assertThat(after.hasNonNull("expires_at")).isFalse();
        assertThat(after.hasNonNull("id")).as(after.toString()).isTrue();
        // the proxy accepts it (TokenIndex with a null expiry) and injects
        assertThat(whoamiStatus(token)).isEqualTo(200);
        upstream.enqueue(new MockResponse.Builder().body("forever-ok").build());
        Curl.Result through = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", "http://" + token + ":default@" + proxyBase,
                "--cacert", keywayCa.toString(), "https://localhost:" + upstream.getPort() + "/a/forever");
        assertThat(through.out()).contains("forever-ok");
        assertThat(upstream.takeRequest(10, TimeUnit.SECONDS).getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET);
        // rotation keeps "no expiry"
        JsonNode rotated = ok(ts.call("POST", "/v1/agents/forever/rotate", "{}"));
        assertThat(rotated.get("expires_at").isNull()).as(rotated.toString()).isTrue();

        Instant before = clock.instant();
        JsonNode ttl = ok(ts.call("POST", "/v1/agents", "{\"name\":\"short\",\"vaults\":[{\"vault\":\"default\"}],\"ttl\":\"2h\"}"));
        Instant ttlEnd = Instant.parse(ttl.get("expires_at").asString());
        assertThat(ttlEnd).isEqualTo(before.plus(Duration.ofHours(2)));
        JsonNode periodic = ok(ts.call("POST", "/v1/agents",
                "{\"name\":\"periodic\",\"vaults\":[{\"vault\":\"default\"}],\"period\":\"768h\"}"));
        Instant periodEnd = Instant.parse(periodic.get("expires_at").asString());
        assertThat(periodEnd).isEqualTo(before.plus(Duration.ofHours(768)));
    }

    @Test
    void rotateInvalidatesTheOldAgentTokenImmediately() throws Exception {
        String old = ok(ts.call("POST", "/v1/agents", "{\"name\":\"rot\",\"vaults\":[{\"vault\":\"default\"}]}")).get("token").asString();
        String fresh = ok(ts.call("POST", "/v1/agents/rot/rotate", "{}")).get("token").asString();
        assertThat(whoamiStatus(old)).isEqualTo(401);
        assertThat(whoamiStatus(fresh)).isEqualTo(200);
        ok(ts.call("POST", "/v1/agents/rot/revoke", "{}"));
        assertThat(whoamiStatus(fresh)).isEqualTo(401);
    }

    @Test
    void agentRestrictedToServiceACannotUseServiceCThroughTheProxy() throws Exception {
        String agent = ok(ts.call("POST", "/v1/agents",
                "{\"name\":\"only-a\",\"vaults\":[{\"vault\":\"default\"}],\"services\":[\"svc-a\"]}")).get("token").asString();
        String proxy = "http://" + agent + ":default@" + proxyBase;
        upstream.enqueue(new MockResponse.Builder().body("a-ok").build());
        Curl.Result a = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", keywayCa.toString(),
                "https://localhost:" + upstream.getPort() + "/a/1");
        assertThat(a.out()).contains("a-ok");
        RecordedRequest got = upstream.takeRequest(10, TimeUnit.SECONDS);
        assertThat(got.getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET);
        Curl.Result c = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", keywayCa.toString(),
                "https://localhost:" + upstream.getPort() + "/c/1");
        assertThat(c.out()).contains("403").containsIgnoringCase("keyway-error: service-rule-denied").contains("svc-c")
                .doesNotContain(SECRET);
        assertThat(upstream.takeRequest(500, TimeUnit.MILLISECONDS)).as("nothing reached the upstream for svc-c").isNull();
        // and discovery only shows what it may use
        JsonNode d = ok(ts.call("GET", "/discover", null, agent));
        assertThat(d.get("services").toString()).contains("svc-a").doesNotContain("svc-c");
    }

    @Test
    void setServicesWidensAndNarrowsALiveAgentWithoutANewToken() throws Exception {
        String agent = ok(ts.call("POST", "/v1/agents",
                "{\"name\":\"reshaped\",\"vaults\":[{\"vault\":\"default\"}],\"services\":[\"svc-a\"]}")).get("token").asString();
        String proxy = "http://" + agent + ":default@" + proxyBase;
        assertThat(ok(ts.call("GET", "/discover", null, agent)).get("services").toString()).doesNotContain("svc-c");

        JsonNode widened = ok(ts.call("PUT", "/v1/agents/reshaped/services", "{\"services\":[\"svc-a\",\"svc-c\",\"svc-c\"]}"));
        assertThat(widened.get("services").toString()).isEqualTo("[\"svc-a\",\"svc-c\"]");
        assertThat(ok(ts.call("GET", "/discover", null, agent)).get("services").toString()).contains("svc-a").contains("svc-c");
        upstream.enqueue(new MockResponse.Builder().body("c-ok").build());
        Curl.Result c = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", keywayCa.toString(),
                "https://localhost:" + upstream.getPort() + "/c/1");
        assertThat(c.out()).contains("c-ok");
        assertThat(upstream.takeRequest(10, TimeUnit.SECONDS)).isNotNull();

        ok(ts.call("PUT", "/v1/agents/reshaped/services", "{\"services\":[\"svc-c\"]}"));
        Curl.Result a = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", keywayCa.toString(),
                "https://localhost:" + upstream.getPort() + "/a/1");
        assertThat(a.out()).contains("403").containsIgnoringCase("keyway-error: service-rule-denied");
        assertThat(upstream.takeRequest(500, TimeUnit.MILLISECONDS)).as("narrowed: nothing forwarded for svc-a").isNull();

        assertThat(ok(ts.call("PUT", "/v1/agents/reshaped/services", "{\"services\":null}")).get("services").isNull()).isTrue();
        assertThat(ts.call("PUT", "/v1/agents/reshaped/services", "{\"services\":[]}").statusCode()).isEqualTo(422);
        assertThat(ts.call("PUT", "/v1/agents/reshaped/services", "{}").statusCode()).as("no 'services' never means all").isEqualTo(422);
        assertThat(ts.call("PUT", "/v1/agents/reshaped/services", "{\"services\":[\"Bad Name\"]}").statusCode()).isEqualTo(422);
        assertThat(ts.call("PUT", "/v1/agents/nobody/services", "{\"services\":null}").statusCode()).isEqualTo(404);
        // an agent cannot widen itself
        assertThat(ts.call("PUT", "/v1/agents/reshaped/services", "{\"services\":null}", agent).statusCode()).isEqualTo(403);
        assertThat(ts.call("GET", "/v1/audit?limit=1000", null).body()).contains("agent.set-services");
    }

    @Test
    void aWrongVaultNamesKeywayVaultNotAHeader() throws Exception {
        String agent = ok(ts.call("POST", "/v1/agents", "{\"name\":\"one-vault\",\"vaults\":[{\"vault\":\"default\"}]}"))
                .get("token").asString();
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();
        for (String vault : List.of("nope", "wrong-vault-lt")) {
            if (vault.equals("wrong-vault-lt")) {
                ok(ts.call("POST", "/v1/vaults", "{\"name\":\"wrong-vault-lt\"}"));
            }
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(ts.base() + "/discover"))
                    .header("Authorization", "Bearer " + agent).header("X-Keyway-Vault", vault).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isIn(403, 404);
            String detail = JSON.readTree(r.body()).get("detail").asString();
            assertThat(detail).contains("KEYWAY_VAULT").contains("'" + vault + "'").contains("[default]").doesNotContain("X-Keyway-Vault");
        }
    }

    @Test
    void agentsCanNeverRevealValuesWhateverTheirRole() throws Exception {
        String admin = ok(ts.call("POST", "/v1/agents",
                "{\"name\":\"boss\",\"vaults\":[{\"vault\":\"default\",\"role\":\"admin\"}]}")).get("token").asString();
        var r = ts.call("GET", "/v1/vaults/default/credentials/K/reveal", null, admin);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).doesNotContain(SECRET);
        // the admin token (a human on the server's machine) can, and it is audited
        assertThat(ok(ts.call("GET", "/v1/vaults/default/credentials/K/reveal", null)).get("value").asString()).isEqualTo(SECRET);
        assertThat(ts.call("GET", "/v1/audit?limit=1000", null).body()).contains("credential.reveal").doesNotContain(SECRET);
    }

    @Test
    void loginIsRateLimitedPerAddress() throws Exception {
        ts.call("POST", "/v1/setup", "{\"email\":\"o@example.com\",\"password\":\"a long enough password\"}");
        int limited = 0;
        for (int i = 0; i < 15; i++) {
            var r = ts.call("POST", "/v1/auth/login", "{\"email\":\"o@example.com\",\"password\":\"wrong password!!\"}", null);
            assertThat(r.statusCode()).isIn(401, 429);
            if (r.statusCode() == 429) {
                limited++;
                assertThat(r.headers().firstValue("retry-after")).isPresent();
            }
        }
        assertThat(limited).isGreaterThan(0);
    }

    @Test
    void lastUseIsRecordedForApiAndProxyUse() throws Exception {
        JsonNode t = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"display_name\":\"used\"}"));
        String token = t.get("token").asString();
        String accessor = t.get("accessor").asString();
        assertThat(ok(ts.call("POST", "/v1/tokens/lookup", "{\"accessor\":\"" + accessor + "\"}")).get("last_used_at").isNull()).isTrue();
        assertThat(whoamiStatus(token)).isEqualTo(200);
        eventually(() -> !ok(ts.call("POST", "/v1/tokens/lookup", "{\"accessor\":\"" + accessor + "\"}")).get("last_used_at").isNull());
        // through the proxy too: a fresh token used only as proxy credentials
        JsonNode p = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}"));
        upstream.enqueue(new MockResponse.Builder().body("x").build());
        Curl.run("-sS", "--max-time", "20", "--proxy", "http://" + p.get("token").asString() + ":default@" + proxyBase,
                "--cacert", keywayCa.toString(), "https://localhost:" + upstream.getPort() + "/a/used");
        upstream.takeRequest(10, TimeUnit.SECONDS);
        String pa = p.get("accessor").asString();
        eventually(() -> !ok(ts.call("POST", "/v1/tokens/lookup", "{\"accessor\":\"" + pa + "\"}")).get("last_used_at").isNull());
    }
}
