package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Disabling a user (someone leaves the team): sign-in refused, every session and every token the
 * user minted dead at once (API and proxy), the last owner protected, enabling again restores
 * sign-in but not the revoked tokens; all of it owner-only and audited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UserDisableTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String PW = "a long enough password";
    static final String SECRET = "canary-user-disable-7c1e";

    @TempDir
    static Path dir;

    TestServer ts;
    MockWebServer upstream;
    Path keywayCa;

    @BeforeAll
    void start() throws Exception {
        HttpsUpstream https = HttpsUpstream.start(dir);
        upstream = https.server();
        ts = TestServer.start(https.keywayConfig(dir.resolve("data")));
        keywayCa = dir.resolve("data/ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/K", "{\"value\":\"" + SECRET + "\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", "{\"name\":\"svc\",\"host\":\"localhost:" + upstream.getPort()
                + "\",\"allow_private\":true,\"inject\":{\"bearer\":\"K\"}}"));
        ok(ts.call("POST", "/v1/setup", "{\"email\":\"owner@example.com\",\"password\":\"" + PW + "\"}"));
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

    static void problem(HttpResponse<String> r, int status, String slug) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(r.body()).contains("/" + slug);
    }

    String login(String email) throws Exception {
        return ok(ts.call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"" + PW + "\"}", null))
                .get("token").asString();
    }

    int whoami(String token) throws Exception {
        return ts.call("GET", "/v1/auth/whoami", null, token).statusCode();
    }

    Curl.Result viaProxy(String token, String path) throws Exception {
        return Curl.run("-sS", "-i", "--max-time", "20", "--proxy", "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort(),
                "--cacert", keywayCa.toString(), "https://localhost:" + upstream.getPort() + path);
    }

    @Test
    void disablingAUserKillsTheirSessionsAndMintedTokensAtOnce() throws Exception {
        ok(ts.call("POST", "/v1/users", "{\"email\":\"bob@example.com\",\"password\":\"" + PW + "\"}"));
        ok(ts.call("PUT", "/v1/vaults/default/members", "{\"user\":\"bob@example.com\",\"role\":\"member\"}"));
        String session = login("bob@example.com");
        String sandbox = ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}", session)).get("token").asString();
        upstream.enqueue(new MockResponse.Builder().body("works").build());
        assertThat(viaProxy(sandbox, "/before").out()).contains("works");
        assertThat(upstream.takeRequest(10, TimeUnit.SECONDS).getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET);

        String owner = login("owner@example.com");
        problem(ts.call("POST", "/v1/users/bob@example.com/disable", null, session), 403, "forbidden"); // not an owner
        JsonNode u = ok(ts.call("POST", "/v1/users/BOB@example.com/disable", null, owner));
        assertThat(u.get("email").asString()).isEqualTo("bob@example.com");
        assertThat(u.get("disabled").asBoolean()).isTrue();

        assertThat(whoami(session)).isEqualTo(401);
        assertThat(whoami(sandbox)).isEqualTo(401);
        Curl.Result after = viaProxy(sandbox, "/after");
        assertThat(after.out()).contains("407").doesNotContain(SECRET);
        assertThat(upstream.takeRequest(300, TimeUnit.MILLISECONDS)).as("nothing forwarded for a disabled user").isNull();
        problem(ts.call("POST", "/v1/auth/login", "{\"email\":\"bob@example.com\",\"password\":\"" + PW + "\"}", null),
                401, "unauthorized");
        assertThat(ok(ts.call("GET", "/v1/users", null, owner)).get("users").toString()).contains("\"disabled\":true");
        // control-plane records are durable before the call returns
        String audit = ok(ts.call("GET", "/v1/audit?action=user.disable&limit=1000", null)).toString();
        assertThat(audit).contains("bob@example.com").contains("\"tokens_revoked\":2").contains("user:owner@example.com");

        // disabling twice changes nothing; enabling restores sign-in, not the revoked tokens
        assertThat(ok(ts.call("POST", "/v1/users/bob@example.com/disable", null, owner)).get("disabled").asBoolean()).isTrue();
        assertThat(ok(ts.call("POST", "/v1/users/bob@example.com/enable", null, owner)).get("disabled").asBoolean()).isFalse();
        assertThat(whoami(login("bob@example.com"))).isEqualTo(200);
        assertThat(whoami(sandbox)).isEqualTo(401);
        assertThat(whoami(session)).isEqualTo(401);
    }

    @Test
    void theLastEnabledOwnerCannotBeDisabled() throws Exception {
        problem(ts.call("POST", "/v1/users/owner@example.com/disable", null), 409, "conflict");
        problem(ts.call("POST", "/v1/users/nobody@example.com/disable", null), 404, "not-found");
        ok(ts.call("POST", "/v1/users", "{\"email\":\"second@example.com\",\"password\":\"" + PW + "\",\"role\":\"owner\"}"));
        String first = login("owner@example.com");
        String second = login("second@example.com");
        ok(ts.call("POST", "/v1/users/owner@example.com/disable", null, second));
        assertThat(whoami(first)).isEqualTo(401);
        problem(ts.call("POST", "/v1/users/second@example.com/disable", null, second), 409, "conflict");
        ok(ts.call("POST", "/v1/users/owner@example.com/enable", null, second));
        assertThat(whoami(login("owner@example.com"))).isEqualTo(200);
    }
}
