package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
        ok(ts.call("POST", "/v1/sources", "{\"name\":\"env\",\"type\":\"env\"}"));
        ok(ts.call("PUT", "/v1/vaults/alpha/credentials/O/oauth", OAUTH));
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

    static final String OAUTH = "{\"grant\":\"client_credentials\",\"token_url\":\"https://auth.example.com/token\","
            + "\"client_id\":\"c\",\"client_secret\":\"s-oauth\"}";

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
                row("list decoys", "GET", "/v1/vaults/alpha/decoys", null, memberPlus),
                row("plant decoy", "POST", "/v1/vaults/alpha/decoys", "{\"name\":\"D_{ACTOR}\",\"like\":\"openai\"}", memberPlus),
                row("remove decoy (the one planted above)", "DELETE", "/v1/vaults/alpha/decoys/D_{ACTOR}", null, memberPlus),
                row("other vault's decoys", "GET", "/v1/vaults/beta/decoys", null, owner),
                row("reveal in other vault", "GET", "/v1/vaults/beta/credentials/K/reveal", null, owner),
                row("add service", "POST", "/v1/vaults/alpha/services",
                        "{\"name\":\"s-{actor}\",\"host\":\"{actor}.example.com\",\"inject\":{\"bearer\":\"K\"}}", memberPlus),
                row("list services", "GET", "/v1/vaults/alpha/services", null, memberPlus),
                row("explain a URL (one's own request: any role on the vault)", "POST", "/v1/vaults/alpha/explain",
                        "{\"url\":\"https://api.example.com/x\"}", proxyPlus),
                row("explain a URL for an agent", "POST", "/v1/vaults/alpha/explain",
                        "{\"url\":\"https://api.example.com/x\",\"agent\":\"a-proxy\"}", adminPlus),
                row("set policy", "PUT", "/v1/vaults/alpha/policy", "{\"unmatched\":\"tunnel\"}", memberPlus),
                row("vault audit", "GET", "/v1/vaults/alpha/audit", null, memberPlus),
                row("instance audit", "GET", "/v1/audit", null, owner),
                row("list held requests (humans with member+ only)", "GET", "/v1/approvals?vault=alpha", null,
                        "admin", "owner", "member"),
                row("verify the audit chain", "GET", "/v1/audit/verify", null, owner),
                row("metrics", "GET", "/metrics", null, owner),
                row("add member", "PUT", "/v1/vaults/alpha/members", "{\"agent\":\"a-proxy\",\"role\":\"proxy\"}", adminPlus),
                row("list members", "GET", "/v1/vaults/alpha/members", null, memberPlus),
                row("mint proxy token", "POST", "/v1/tokens", "{\"vault\":\"alpha\",\"ttl\":\"1h\"}",
                        "admin", "owner", "member", "proxyuser", "agentproxy", "agentmember", "agentadmin"),
                row("mint token on other vault", "POST", "/v1/tokens", "{\"vault\":\"beta\",\"ttl\":\"1h\"}", owner),
                row("discover", "GET", "/discover", null, proxyPlus),
                row("set a rate limit", "POST", "/v1/limits", "{\"vault\":\"alpha\",\"requests\":5,\"per\":\"1m\"}", owner),
                row("list a vault's rate limits", "GET", "/v1/limits?vault=alpha", null, memberPlus),
                row("list another vault's rate limits", "GET", "/v1/limits?vault=beta", null, owner),
                row("create agent", "POST", "/v1/agents", "{\"name\":\"x-{actor}\",\"vaults\":[{\"vault\":\"alpha\"}]}", "admin", "owner"),
                row("list users", "GET", "/v1/users", null, owner),
                row("disable a user", "POST", "/v1/users/spare@example.com/disable", null, owner),
                row("enable a user", "POST", "/v1/users/member@example.com/enable", null, owner),
                row("add user", "POST", "/v1/users", "{\"email\":\"{actor}-new@example.com\",\"password\":\"" + PW + "\"}", owner),
                row("status", "GET", "/v1/status", null, owner),
                row("list sources", "GET", "/v1/sources", null, owner),
                row("show source", "GET", "/v1/sources/env", null, owner),
                row("add source", "POST", "/v1/sources", "{\"name\":\"s-{actor}\",\"type\":\"env\"}", owner),
                row("test source (fetches a value)", "POST", "/v1/sources/env/test", "{\"ref\":\"PATH\"}", owner),
                row("link credential (any ref the source can read)", "PUT", "/v1/vaults/alpha/credentials/L_{ACTOR}/link",
                        "{\"source\":\"env\",\"ref\":\"PATH\"}", owner),
                row("create or re-authorize an OAuth credential", "PUT", "/v1/vaults/alpha/credentials/O_{ACTOR}/oauth", OAUTH,
                        memberPlus),
                row("show an OAuth credential's settings and state", "GET", "/v1/vaults/alpha/credentials/O/oauth", null,
                        memberPlus),
                row("token accessors", "GET", "/v1/tokens/accessors", null, owner),
                row("whoami", "GET", "/v1/auth/whoami", null, ALL.toArray(String[]::new)),
                row("lookup-self", "GET", "/v1/tokens/lookup-self", null, ALL.toArray(String[]::new)),
                row("vault list", "GET", "/v1/vaults", null, ALL.toArray(String[]::new)),
                // last: creating a vault gives its creator a grant, which would change earlier rows
                row("create vault (users only)", "POST", "/v1/vaults", "{\"name\":\"v-{actor}\"}", users));
    }

    /**
     * Every route the server registers, with the access it must declare. The test iterates the
     * router's own list: a route added without a row here, or declared differently, fails.
     * AUTHENTICATED routes check vault roles in the handler; the matrix above covers those rows.
     */
    static final Map<String, RouteAccess> DECLARED = declared();

    static Map<String, RouteAccess> declared() {
        Map<String, RouteAccess> m = new LinkedHashMap<>();
        String table = """
                GET     /                                                CONSOLE
                GET     /account                                         CONSOLE
                GET     /approve/{id}                                    PUBLIC
                GET     /assets/{file}                                   PUBLIC
                GET     /audit                                           CONSOLE
                GET     /discover                                        AUTHENTICATED
                GET     /favicon.ico                                     PUBLIC
                GET     /health                                          PUBLIC
                GET     /ready                                           PUBLIC
                GET     /login                                           CONSOLE
                GET     /approvals                                       CONSOLE
                GET     /proposals                                       CONSOLE
                GET     /proposals/{id}                                  CONSOLE
                GET     /metrics                                         OWNER
                GET     /settings                                        CONSOLE
                GET     /setup                                           CONSOLE
                GET     /traffic                                         CONSOLE
                GET     /traffic/stream                                  CONSOLE
                GET     /v1/agents                                       AUTHENTICATED
                GET     /v1/agents/{name}                                AUTHENTICATED
                GET     /v1/approvals                                    AUTHENTICATED
                GET     /v1/approvals/{id}                               AUTHENTICATED
                GET     /v1/audit                                        OWNER
                GET     /v1/audit/verify                                 OWNER
                GET     /v1/auth/whoami                                  AUTHENTICATED
                GET     /v1/aws/credentials                              AUTHENTICATED
                GET     /v1/ca.pem                                       PUBLIC
                GET     /v1/catalog                                      AUTHENTICATED
                GET     /v1/limits                                       AUTHENTICATED
                POST    /v1/limits                                       OWNER
                DELETE  /v1/limits/{id}                                  OWNER
                GET     /v1/discover                                     AUTHENTICATED
                GET     /v1/proposals                                    AUTHENTICATED
                GET     /v1/proposals/{id}                               AUTHENTICATED
                GET     /v1/skill.md                                     PUBLIC
                GET     /v1/status                                       OWNER
                GET     /v1/sources                                      OWNER
                GET     /v1/sources/{name}                               OWNER
                POST    /v1/sources                                      OWNER
                POST    /v1/sources/{name}/test                          OWNER
                PUT     /v1/vaults/{vault}/credentials/{name}/link       OWNER
                DELETE  /v1/sources/{name}                               OWNER
                GET     /v1/tokens                                       AUTHENTICATED
                GET     /v1/tokens/accessors                             OWNER
                GET     /v1/tokens/lookup-self                           AUTHENTICATED
                GET     /v1/tokens/{id}                                  AUTHENTICATED
                GET     /v1/users                                        OWNER
                GET     /v1/vaults                                       AUTHENTICATED
                GET     /v1/vaults/{vault}                               AUTHENTICATED
                GET     /v1/vaults/{vault}/audit                         AUTHENTICATED
                GET     /v1/vaults/{vault}/aws/grants                    AUTHENTICATED
                GET     /v1/vaults/{vault}/aws/grants/{name}             AUTHENTICATED
                GET     /v1/vaults/{vault}/credentials                   AUTHENTICATED
                GET     /v1/vaults/{vault}/credentials/{name}            AUTHENTICATED
                PUT     /v1/vaults/{vault}/credentials/{name}            AUTHENTICATED
                GET     /v1/vaults/{vault}/credentials/{name}/reveal     AUTHENTICATED
                PUT     /v1/vaults/{vault}/credentials/{name}/oauth      AUTHENTICATED
                GET     /v1/vaults/{vault}/credentials/{name}/oauth      AUTHENTICATED
                GET     /v1/vaults/{vault}/decoys                        AUTHENTICATED
                POST    /v1/vaults/{vault}/decoys                        AUTHENTICATED
                DELETE  /v1/vaults/{vault}/decoys/{name}                 AUTHENTICATED
                GET     /v1/vaults/{vault}/members                       AUTHENTICATED
                PUT     /v1/vaults/{vault}/members                       AUTHENTICATED
                PUT     /v1/vaults/{vault}/policy                        AUTHENTICATED
                GET     /v1/vaults/{vault}/services                      AUTHENTICATED
                PUT     /v1/vaults/{vault}/services                      AUTHENTICATED
                GET     /v1/vaults/{vault}/services/{name}               AUTHENTICATED
                PUT     /v1/vaults/{vault}/services/{name}               AUTHENTICATED
                GET     /v1/webhooks                                     OWNER
                GET     /vaults                                          CONSOLE
                GET     /vaults/{vault}                                  CONSOLE
                GET     /vaults/{vault}/agents                           CONSOLE
                GET     /vaults/{vault}/credentials                      CONSOLE
                GET     /vaults/{vault}/credentials/{name}/delete        CONSOLE
                GET     /vaults/{vault}/credentials/{name}/oauth         CONSOLE
                GET     /vaults/{vault}/danger                           CONSOLE
                GET     /vaults/{vault}/services                         CONSOLE
                POST    /account/password                                CONSOLE
                POST    /login                                           CONSOLE
                POST    /logout                                          CONSOLE
                POST    /approvals/{id}/approve                          CONSOLE
                POST    /approvals/{id}/deny                             CONSOLE
                POST    /proposals/{id}/approve                          CONSOLE
                POST    /proposals/{id}/reject                           CONSOLE
                POST    /settings/defaults                               CONSOLE
                POST    /settings/users                                  CONSOLE
                POST    /settings/users/{email}/disable                  CONSOLE
                POST    /settings/users/{email}/enable                   CONSOLE
                POST    /settings/webhooks                               CONSOLE
                POST    /settings/webhooks/{id}/delete                   CONSOLE
                POST    /settings/webhooks/{id}/test                     CONSOLE
                POST    /setup                                           CONSOLE
                POST    /v1/admin/admin-token/disable                    OWNER
                POST    /v1/admin/admin-token/rotate                     OWNER
                POST    /v1/admin/master-key/rotate                      OWNER
                POST    /v1/agents                                       AUTHENTICATED
                POST    /v1/agents/{name}/revoke                         AUTHENTICATED
                POST    /v1/agents/{name}/rotate                         AUTHENTICATED
                PUT     /v1/agents/{name}/services                       AUTHENTICATED
                POST    /v1/approvals/{id}/approve                       AUTHENTICATED
                POST    /v1/approvals/{id}/deny                          AUTHENTICATED
                POST    /v1/auth/login                                   PUBLIC
                POST    /v1/auth/logout                                  AUTHENTICATED
                POST    /v1/aws/credentials                              AUTHENTICATED
                POST    /v1/aws/run-scope                                AUTHENTICATED
                POST    /v1/github/run-scope                             AUTHENTICATED
                POST    /v1/proposals                                    AUTHENTICATED
                POST    /v1/proposals/{id}/approve                       AUTHENTICATED
                POST    /v1/proposals/{id}/reject                        AUTHENTICATED
                POST    /v1/setup                                        OWNER
                POST    /v1/tokens                                       AUTHENTICATED
                POST    /v1/tokens/lookup                                AUTHENTICATED
                POST    /v1/tokens/renew                                 AUTHENTICATED
                POST    /v1/tokens/renew-self                            AUTHENTICATED
                POST    /v1/tokens/revoke                                AUTHENTICATED
                POST    /v1/tokens/revoke-self                           AUTHENTICATED
                POST    /v1/users                                        OWNER
                POST    /v1/users/{email}/disable                        OWNER
                POST    /v1/users/{email}/enable                         OWNER
                POST    /v1/vaults                                       AUTHENTICATED
                POST    /v1/vaults/{vault}/aws/grants                    AUTHENTICATED
                POST    /v1/vaults/{vault}/explain                       AUTHENTICATED
                POST    /v1/vaults/{vault}/services                      AUTHENTICATED
                POST    /v1/vaults/{vault}/services/from-template        AUTHENTICATED
                POST    /v1/vaults/{vault}/services/{name}/disable       AUTHENTICATED
                POST    /v1/vaults/{vault}/services/{name}/enable        AUTHENTICATED
                POST    /v1/webhooks                                     OWNER
                POST    /v1/webhooks/{id}/test                           OWNER
                POST    /vaults                                          CONSOLE
                POST    /vaults/{vault}/agents                           CONSOLE
                POST    /vaults/{vault}/agents/{agent}/delete            CONSOLE
                POST    /vaults/{vault}/agents/{agent}/revoke            CONSOLE
                POST    /vaults/{vault}/agents/{agent}/services          CONSOLE
                POST    /vaults/{vault}/agents/{agent}/rotate            CONSOLE
                POST    /vaults/{vault}/credentials                      CONSOLE
                POST    /vaults/{vault}/credentials/{name}/delete        CONSOLE
                POST    /vaults/{vault}/delete                           CONSOLE
                POST    /vaults/{vault}/limits                           CONSOLE
                POST    /vaults/{vault}/limits/{id}/delete               CONSOLE
                POST    /vaults/{vault}/policy                           CONSOLE
                POST    /vaults/{vault}/services                         CONSOLE
                POST    /vaults/{vault}/services/explain                 CONSOLE
                POST    /vaults/{vault}/services/template                CONSOLE
                POST    /vaults/{vault}/services/validate                CONSOLE
                POST    /vaults/{vault}/services/{name}/delete           CONSOLE
                POST    /vaults/{vault}/services/{name}/toggle           CONSOLE
                POST    /vaults/{vault}/tokens                           CONSOLE
                POST    /vaults/{vault}/tokens/{id}/revoke               CONSOLE
                DELETE  /v1/agents/{name}                                AUTHENTICATED
                DELETE  /v1/tokens/{id}                                  AUTHENTICATED
                DELETE  /v1/vaults/{vault}                               AUTHENTICATED
                DELETE  /v1/vaults/{vault}/aws/grants/{name}             AUTHENTICATED
                DELETE  /v1/vaults/{vault}/credentials/{name}            AUTHENTICATED
                DELETE  /v1/vaults/{vault}/members/{subject}             AUTHENTICATED
                DELETE  /v1/vaults/{vault}/services/{name}               AUTHENTICATED
                DELETE  /v1/webhooks/{id}                                OWNER
                """;
        for (String line : table.strip().split("\n")) {
            String[] f = line.strip().split("\\s+");
            m.put(f[0] + " " + f[1], RouteAccess.valueOf(f[2]));
        }
        return m;
    }

    @Test
    void everyRouteDeclaresTheAccessInTheTable() {
        List<Router.RouteInfo> routes = ts.server.routes();
        StringBuilder actual = new StringBuilder();
        routes.forEach(r -> actual.append(String.format("%-7s %-55s %s%n", r.method(), r.pattern(), r.access())));
        Map<String, RouteAccess> got = new LinkedHashMap<>();
        routes.forEach(r -> got.put(r.key(), r.access()));
        assertThat(got).as("routes and their declared access (the table lists every route; actual:%n%s)", actual)
                .containsExactlyInAnyOrderEntriesOf(DECLARED);
    }

    /**
     * The gate enforces each declaration before the handler runs: without a token every
     * AUTHENTICATED or OWNER route is 401, with a bad token too, and an OWNER route is 403 for a
     * user without ownership and for an agent with the admin role on a vault.
     */
    @Test
    void theRouterEnforcesEveryDeclaredAccess() throws Exception {
        for (Router.RouteInfo r : ts.server.routes()) {
            if (r.access() != RouteAccess.AUTHENTICATED && r.access() != RouteAccess.OWNER) {
                continue;
            }
            String path = r.pattern().replaceAll("\\{[^}]+}", "zz-nope");
            String body = r.method().equals("POST") || r.method().equals("PUT") ? "{}" : null;
            assertThat(ts.call(r.method(), path, body, null).statusCode()).as("%s without a token", r.key()).isEqualTo(401);
            assertThat(ts.call(r.method(), path, body, "kw_ses_forged").statusCode()).as("%s with a bad token", r.key())
                    .isEqualTo(401);
            if (r.access() == RouteAccess.OWNER) {
                for (String actor : List.of("outsider", "member", "agentadmin", "scoped")) {
                    HttpResponse<String> resp = ts.call(r.method(), path, body, tokens.get(actor));
                    assertThat(resp.statusCode()).as("%s as %s: %s", r.key(), actor, resp.body()).isEqualTo(403);
                }
            }
        }
    }

    @Test
    void aRouteWithoutADeclaredAccessIsRefused() {
        Router r = new Router();
        assertThatThrownBy(() -> r.add("GET", "/v1/new", null, req -> ApiResponse.noContent()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declares no access");
        assertThat(r.routes()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void matrix(String name, String method, String path, String body, Set<String> allowed) throws Exception {
        for (String actor : ALL) {
            String p = path.replace("{ACTOR}", actor.toUpperCase(Locale.ROOT)).replace("{actor}", actor);
            String b = body == null ? null : body.replace("{ACTOR}", actor.toUpperCase(Locale.ROOT)).replace("{actor}", actor);
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
