package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every endpoint × every kind of actor: the expected allow or deny, as a table. Actors: the local
 * admin token, the owner, a user with member / proxy role on vault alpha, a user with no grant,
 * agents with proxy / member / admin on alpha, a scoped proxy token on alpha, and no token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String PW = "a long enough password";

    @TempDir
    static Path dir;

    TestServer ts;
    final Map<String, String> tokens = new LinkedHashMap<>();

    static final Set<String> ALL = Set.of("admin", "owner", "member", "proxyuser", "outsider", "agentproxy", "agentmember",
            "agentadmin", "scoped");

    @BeforeAll
    void start() throws Exception {
        ts = TestServer.start(dir);
        ok(ts.call("POST", "/v1/vaults", "{\"name\":\"alpha\"}"));
        ok(ts.call("POST", "/v1/vaults", "{\"name\":\"beta\"}"));
        ok(ts.call("PUT", "/v1/vaults/alpha/credentials/K", "{\"value\":\"v-alpha\"}"));
        ok(ts.call("PUT", "/v1/vaults/beta/credentials/K", "{\"value\":\"v-beta\"}"));
        ok(ts.call("POST", "/v1/setup", "{\"email\":\"owner@example.com\",\"password\":\"" + PW + "\"}"));
        for (String u : new String[] {"member", "proxyuser", "outsider", "spare"}) {
            ok(ts.call("POST", "/v1/users", "{\"email\":\"" + u + "@example.com\",\"password\":\"" + PW + "\"}"));
        }
        ok(ts.call("PUT", "/v1/vaults/alpha/members", "{\"user\":\"member@example.com\",\"role\":\"member\"}"));
        ok(ts.call("PUT", "/v1/vaults/alpha/members", "{\"user\":\"proxyuser@example.com\",\"role\":\"proxy\"}"));
        tokens.put("admin", ts.adminToken);
        for (String u : new String[] {"owner", "member", "proxyuser", "outsider"}) {
            tokens.put(u, json(ok(ts.call("POST", "/v1/auth/login", "{\"email\":\"" + u + "@example.com\",\"password\":\"" + PW + "\"}", null)))
                    .get("token").asString());
        }
        for (String role : new String[] {"proxy", "member", "admin"}) {
            tokens.put("agent" + role, json(ok(ts.call("POST", "/v1/agents",
                    "{\"name\":\"a-" + role + "\",\"vaults\":[{\"vault\":\"alpha\",\"role\":\"" + role + "\"}]}"))).get("token").asString());
        }
        tokens.put("scoped", json(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"alpha\"}"))).get("token").asString());
    }

    @AfterAll
    void stop() {
        ts.close();
    }

    static JsonNode json(String s) {
        return JSON.readTree(s);
    }

    static String ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    static Arguments row(String name, String method, String path, String body, String... allowed) {
        return Arguments.of(name, method, path, body, Set.of(allowed));
    }

    static Stream<Arguments> endpoints() {
        String[] proxyPlus = {"admin", "owner", "member", "proxyuser", "agentproxy", "agentmember", "agentadmin", "scoped"};
        String[] memberPlus = {"admin", "owner", "member", "agentmember", "agentadmin"};
        String[] adminPlus = {"admin", "owner", "agentadmin"};
        String[] owner = {"admin", "owner"};
        String[] users = {"admin", "owner", "member", "proxyuser", "outsider"};
        return Stream.of(
                row("list credentials", "GET", "/v1/vaults/alpha/credentials", null, memberPlus),
                row("set credential", "PUT", "/v1/vaults/alpha/credentials/C_{ACTOR}", "{\"value\":\"x\"}", memberPlus),
                row("reveal credential (humans with member+ only)", "GET", "/v1/vaults/alpha/credentials/K/reveal", null,
                        "admin", "owner", "member"),
                row("other vault's credentials", "GET", "/v1/vaults/beta/credentials", null, owner),
                row("reveal in other vault", "GET", "/v1/vaults/beta/credentials/K/reveal", null, owner),
                row("add service", "POST", "/v1/vaults/alpha/services",
                        "{\"name\":\"s-{actor}\",\"host\":\"{actor}.example.com\",\"inject\":{\"bearer\":\"K\"}}", memberPlus),
                row("list services", "GET", "/v1/vaults/alpha/services", null, memberPlus),
                row("set policy", "PUT", "/v1/vaults/alpha/policy", "{\"unmatched\":\"tunnel\"}", memberPlus),
                row("vault audit", "GET", "/v1/vaults/alpha/audit", null, memberPlus),
                row("instance audit", "GET", "/v1/audit", null, owner),
                row("add member", "PUT", "/v1/vaults/alpha/members", "{\"agent\":\"a-proxy\",\"role\":\"proxy\"}", adminPlus),
                row("list members", "GET", "/v1/vaults/alpha/members", null, memberPlus),
                row("mint proxy token", "POST", "/v1/tokens", "{\"vault\":\"alpha\",\"ttl\":\"1h\"}",
                        "admin", "owner", "member", "proxyuser", "agentproxy", "agentmember", "agentadmin"),
                row("mint token on other vault", "POST", "/v1/tokens", "{\"vault\":\"beta\",\"ttl\":\"1h\"}", owner),
                row("discover", "GET", "/discover", null, proxyPlus),
                row("create agent", "POST", "/v1/agents", "{\"name\":\"x-{actor}\",\"vaults\":[{\"vault\":\"alpha\"}]}", "admin", "owner"),
                row("list users", "GET", "/v1/users", null, owner),
                row("disable a user", "POST", "/v1/users/spare@example.com/disable", null, owner),
                row("enable a user", "POST", "/v1/users/member@example.com/enable", null, owner),
                row("add user", "POST", "/v1/users", "{\"email\":\"{actor}-new@example.com\",\"password\":\"" + PW + "\"}", owner),
                row("status", "GET", "/v1/status", null, owner),
                row("token accessors", "GET", "/v1/tokens/accessors", null, owner),
                row("whoami", "GET", "/v1/auth/whoami", null, ALL.toArray(String[]::new)),
                row("lookup-self", "GET", "/v1/tokens/lookup-self", null, ALL.toArray(String[]::new)),
                row("vault list", "GET", "/v1/vaults", null, ALL.toArray(String[]::new)),
                // last: creating a vault gives its creator a grant, which would change earlier rows
                row("create vault (users only)", "POST", "/v1/vaults", "{\"name\":\"v-{actor}\"}", users));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void matrix(String name, String method, String path, String body, Set<String> allowed) throws Exception {
        for (String actor : ALL) {
            String p = path.replace("{ACTOR}", actor.toUpperCase(Locale.ROOT)).replace("{actor}", actor);
            String b = body == null ? null : body.replace("{actor}", actor);
            HttpResponse<String> r = ts.call(method, p, b, tokens.get(actor));
            if (allowed.contains(actor)) {
                assertThat(r.statusCode()).as("%s as %s: %s", name, actor, r.body()).isBetween(200, 299);
            } else {
                assertThat(r.statusCode()).as("%s as %s: %s", name, actor, r.body()).isEqualTo(403);
                assertThat(r.body()).doesNotContain("v-alpha").doesNotContain("v-beta");
            }
        }
        HttpResponse<String> anon = ts.call(method, path.replace("{ACTOR}", "ANON").replace("{actor}", "anon"), body, null);
        assertThat(anon.statusCode()).as("%s without a token", name).isEqualTo(401);
    }
}
