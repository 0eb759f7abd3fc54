package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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

/** Control-plane API against a real server: happy paths and every error kind, as problem+json. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiTest {
    static final String SECRET = "sk-canary-ApiTest-8f3a1c9e77d24b";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    TestServer ts;

    @BeforeAll
    void start() throws Exception {
        ts = TestServer.start(dir);
    }

    @AfterAll
    void stop() {
        ts.close();
    }

    static JsonNode json(HttpResponse<String> r) {
        return JSON.readTree(r.body());
    }

    static void assertProblem(HttpResponse<String> r, int status, String slug) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode p = json(r);
        assertThat(p.get("type").asString()).isEqualTo("https://keyway.dev/errors/" + slug);
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("detail").asString()).isNotBlank();
        assertThat(p.get("request_id").asString()).isNotBlank();
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void healthAndCaAreUnauthenticated() throws Exception {
        var h = ts.call("GET", "/health", null, null);
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(json(h).get("database").asString()).isEqualTo("ok");
        var ca = ts.call("GET", "/v1/ca.pem", null, null);
        assertThat(ca.statusCode()).isEqualTo(200);
        assertThat(ca.body()).startsWith("-----BEGIN CERTIFICATE-----");
        var st = ts.call("GET", "/v1/status", null);
        assertThat(st.statusCode()).isEqualTo(200);
        assertThat(json(st).get("instance_id").asString()).isEqualTo(ts.server.instanceId());
    }

    @Test
    void vaultLifecycle() throws Exception {
        var c = ts.call("POST", "/v1/vaults", "{\"name\":\"team-a\",\"unmatched\":\"deny\"}");
        assertThat(c.statusCode()).as(c.body()).isEqualTo(201);
        assertThat(json(c).get("unmatched").asString()).isEqualTo("deny");
        var list = json(ts.call("GET", "/v1/vaults", null));
        assertThat(list.get("vaults").findValuesAsString("name")).contains("default", "team-a");
        assertProblem(ts.call("POST", "/v1/vaults", "{\"name\":\"team-a\"}"), 409, "conflict");
        var p = ts.call("PUT", "/v1/vaults/team-a/policy", "{\"unmatched\":\"intercept\"}");
        assertThat(json(p).get("unmatched").asString()).isEqualTo("intercept");
        assertProblem(ts.call("PUT", "/v1/vaults/team-a/policy", "{\"unmatched\":\"open\"}"), 422, "validation");
        assertThat(ts.call("DELETE", "/v1/vaults/team-a", null).statusCode()).isEqualTo(204);
        assertProblem(ts.call("GET", "/v1/vaults/team-a", null), 404, "not-found");
        assertProblem(ts.call("DELETE", "/v1/vaults/default", null), 409, "conflict");
    }

    @Test
    void credentialsAreWriteOnly() throws Exception {
        var s = ts.call("PUT", "/v1/vaults/default/credentials/OPENAI_API_KEY",
                "{\"value\":\"" + SECRET + "\",\"description\":\"test key\"}");
        assertThat(s.statusCode()).as(s.body()).isIn(200, 201);
        assertThat(s.body()).doesNotContain(SECRET);
        var again = ts.call("PUT", "/v1/vaults/default/credentials/OPENAI_API_KEY", "{\"value\":\"" + SECRET + "x\"}");
        assertThat(json(again).get("version").asInt()).isEqualTo(json(s).get("version").asInt() + 1);
        assertThat(json(again).get("description").asString()).isEqualTo("test key");
        var list = ts.call("GET", "/v1/vaults/default/credentials", null);
        assertThat(list.body()).contains("OPENAI_API_KEY").doesNotContain(SECRET);
        var one = ts.call("GET", "/v1/vaults/default/credentials/OPENAI_API_KEY", null);
        assertThat(one.body()).doesNotContain(SECRET);
        assertThat(json(one).has("value")).isFalse();
        assertThat(ts.call("DELETE", "/v1/vaults/default/credentials/OPENAI_API_KEY", null).statusCode()).isEqualTo(204);
        assertProblem(ts.call("DELETE", "/v1/vaults/default/credentials/OPENAI_API_KEY", null), 404, "not-found");
        // nothing secret in the database file as plain text
        assertThat(new String(Files.readAllBytes(dir.resolve("keyway.db")), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(SECRET);
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("PUT", "/v1/vaults/default/credentials/lower_case", "{\"value\":\"x\"}", 422, "validation"),
                Arguments.of("PUT", "/v1/vaults/default/credentials/EMPTY", "{\"value\":\"\"}", 422, "validation"),
                Arguments.of("PUT", "/v1/vaults/default/credentials/X", "{\"value\":\"x\",\"colour\":1}", 400, "bad-request"),
                Arguments.of("PUT", "/v1/vaults/default/credentials/X", "{\"value\":", 400, "bad-request"),
                Arguments.of("PUT", "/v1/vaults/default/credentials/X", "", 400, "bad-request"),
                Arguments.of("PUT", "/v1/vaults/nope/credentials/X", "{\"value\":\"x\"}", 404, "not-found"),
                Arguments.of("POST", "/v1/vaults", "{\"name\":\"Bad Name\"}", 422, "validation"),
                Arguments.of("POST", "/v1/vaults", "{}", 422, "validation"),
                Arguments.of("POST", "/v1/vaults", "[1,2]", 400, "bad-request"),
                Arguments.of("PATCH", "/v1/vaults", "{}", 405, "method-not-allowed"),
                Arguments.of("GET", "/v1/nothing-here", null, 404, "not-found"),
                Arguments.of("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"forever\"}", 422, "validation"),
                Arguments.of("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"0s\"}", 422, "validation"),
                Arguments.of("GET", "/v1/audit?limit=abc", null, 400, "bad-request"),
                Arguments.of("POST", "/v1/vaults/default/services", "{\"name\":\"x\",\"host\":\"localhost\",\"inject\":\"none\"}", 422, "validation"),
                Arguments.of("POST", "/v1/vaults/default/services", "{\"name\":\"x\",\"host\":\"a.example.com\",\"inject\":{\"telepathy\":1}}", 422, "validation"),
                Arguments.of("POST", "/v1/vaults/default/services", "{\"name\":\"x\",\"host\":\"a.example.com\",\"inject\":\"none\",\"extra\":1}", 422, "validation"),
                Arguments.of("POST", "/v1/vaults/default/services/from-template", "{\"template\":\"nope\"}", 404, "not-found"));
    }

    @ParameterizedTest(name = "{0} {1} -> {3} {4}")
    @MethodSource("badRequests")
    void errorsAreProblems(String method, String path, String body, int status, String slug) throws Exception {
        assertProblem(ts.call(method, path, body), status, slug);
    }

    @Test
    void authenticationErrors() throws Exception {
        var none = ts.call("GET", "/v1/vaults", null, null);
        assertProblem(none, 401, "unauthorized");
        assertThat(none.headers().firstValue("www-authenticate")).isPresent();
        assertProblem(ts.call("GET", "/v1/vaults", null, "kw_adm_wrong"), 401, "unauthorized");
        // a proxy token cannot administer
        var t = json(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"display_name\":\"ci\"}"));
        assertThat(t.get("token").asString()).startsWith("kw_tok_");
        String proxyToken = t.get("token").asString();
        assertProblem(ts.call("GET", "/v1/vaults/default/credentials", null, proxyToken), 403, "forbidden");
        assertProblem(ts.call("PUT", "/v1/vaults/default/credentials/X", "{\"value\":\"v\"}", proxyToken), 403, "forbidden");
        assertProblem(ts.call("POST", "/v1/vaults", "{\"name\":\"mine\"}", proxyToken), 403, "forbidden");
        // ...but it sees its own vault
        assertThat(ts.call("GET", "/v1/vaults", null, proxyToken).body()).contains("default");
    }

    /** JSON bodies must say so: docs/errors.md promises 415 for anything else (and a form post cannot reach a JSON route). */
    @ParameterizedTest(name = "Content-Type {0} -> {1}")
    @org.junit.jupiter.params.provider.CsvSource(nullValues = "NONE", value = {
        "NONE, 415",
        "text/plain, 415",
        "application/x-www-form-urlencoded, 415",
        "multipart/form-data; boundary=x, 415",
        "application/json; charset=iso-8859-1, 415",
        "application/jsonp, 415",
        "text/json, 415",
        "application/json, 201",
        "application/json; charset=utf-8, 201",
        "Application/JSON;charset=\"UTF-8\", 201",
        "application/vnd.keyway+json, 201",
    })
    void jsonBodiesNeedAJsonContentType(String contentType, int status) throws Exception {
        String name = "ct-" + Integer.toHexString((contentType == null ? "none" : contentType).hashCode());
        var r = ts.call("POST", "/v1/vaults", "{\"name\":\"" + name + "\"}", ts.adminToken, contentType);
        if (status == 415) {
            assertProblem(r, 415, "unsupported-media-type");
            assertThat(json(r).get("detail").asString()).contains("application/json");
            assertThat(ts.call("GET", "/v1/vaults", null).body()).doesNotContain(name);
        } else {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
    }

    @Test
    void theContentTypeIsCheckedOnEveryJsonRouteIncludingServicesAndLogin() throws Exception {
        assertProblem(ts.call("POST", "/v1/vaults/default/services",
                "{\"name\":\"ct\",\"host\":\"ct.example.com\",\"inject\":\"none\"}", ts.adminToken, "text/plain"), 415,
                "unsupported-media-type");
        assertProblem(ts.call("PUT", "/v1/vaults/default/credentials/CT", "{\"value\":\"v\"}", ts.adminToken,
                "application/x-www-form-urlencoded"), 415, "unsupported-media-type");
        assertProblem(ts.call("POST", "/v1/auth/login", "{\"email\":\"a@b.c\",\"password\":\"x\"}", null, "text/plain"), 415,
                "unsupported-media-type");
    }

    /** A member given twice must not be read as "the last one wins" (a reviewer or a proxy may read the first). */
    @Test
    void duplicateJsonMembersAre400() throws Exception {
        var vault = ts.call("POST", "/v1/vaults", "{\"name\":\"dup-a\",\"name\":\"dup-b\"}");
        assertProblem(vault, 400, "bad-request");
        assertThat(json(vault).get("detail").asString()).contains("duplicate");
        var service = ts.call("POST", "/v1/vaults/default/services",
                "{\"name\":\"dup\",\"host\":\"safe.example.com\",\"host\":\"evil.example.com\",\"inject\":\"none\"}");
        assertProblem(service, 400, "bad-request");
        assertThat(json(service).get("detail").asString()).contains("duplicate");
        var nested = ts.call("POST", "/v1/vaults/default/services",
                "{\"name\":\"dup\",\"host\":\"safe.example.com\",\"inject\":{\"header\":{\"A\":\"1\",\"A\":\"2\"}}}");
        assertProblem(nested, 400, "bad-request");
        var token = ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"ttl\":\"1000h\"}");
        assertProblem(token, 400, "bad-request");
        assertThat(ts.call("GET", "/v1/vaults", null).body()).doesNotContain("dup-a").doesNotContain("dup-b");
        assertThat(ts.call("GET", "/v1/vaults/default/services", null).body()).doesNotContain("evil.example.com");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "{\"value\":\"" + "a".repeat(1_100_000) + "\"}";
        var r = ts.call("PUT", "/v1/vaults/default/credentials/BIG", big);
        assertProblem(r, 413, "payload-too-large");
    }

    @Test
    void tokensListRevoke() throws Exception {
        var created = ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30m\",\"display_name\":\"worker\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode t = json(created);
        for (String f : new String[] {"token", "id", "accessor", "expires_at"}) {
            assertThat(t.has(f)).as(f).isTrue();
        }
        var list = ts.call("GET", "/v1/tokens?vault=default", null);
        assertThat(list.body()).contains(t.get("accessor").asString()).doesNotContain(t.get("token").asString());
        var revoked = ts.call("DELETE", "/v1/tokens/" + t.get("accessor").asString(), null);
        assertThat(json(revoked).get("revoked").asBoolean()).isTrue();
        assertProblem(ts.call("DELETE", "/v1/tokens/tok_nope", null), 404, "not-found");
    }
}
