package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.cli.mcp.McpServer;
import dev.keyway.cli.mcp.McpTools;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway mcp}'s JSON-RPC edges, driven through {@link McpServer#serve} with in-process
 * streams against a real server, with agent tokens (a member-role agent and a proxy-role one).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpProtocolTest {
    static final String SECRET = "ghp_mcpProtocolSecretValue0123456789";

    @TempDir
    static Path dir;

    CliHarness kw;
    String memberToken;
    String proxyToken;
    final String otherVault = "mcp-other";

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
        kw.cli("service", "add", "gh", "--host", "api.github.com", "--bearer", "GITHUB_TOKEN").ok();
        kw.cliWithStdin(SECRET, "credential", "set", "GITHUB_TOKEN").ok();
        memberToken = kw.cli("agent", "create", "helper", "--vault", "default:member", "--json").ok().json().get("token").asString();
        proxyToken = kw.cli("agent", "create", "plain", "--vault", "default", "--json").ok().json().get("token").asString();
        kw.cli("vault", "create", otherVault).ok();
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    McpServer server(String token) {
        ApiClient api = ApiClient.create(kw.addr(), dir).withToken(token);
        return new McpServer(new McpTools(new McpTools.Api() {
            @Override
            public JsonNode get(String path) {
                return api.get(path);
            }

            @Override
            public JsonNode post(String path, Object body) {
                return api.post(path, body);
            }
        }, null), "test");
    }

    /** Feeds these lines to a fresh server as its stdin and returns every line it wrote to stdout. */
    List<JsonNode> session(String token, String... lines) throws Exception {
        StringWriter out = new StringWriter();
        server(token).serve(new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)), out);
        return out.toString().lines().map(CliHarness.JSON::readTree).toList();
    }

    JsonNode one(String token, String line) throws Exception {
        List<JsonNode> r = session(token, line);
        assertThat(r).hasSize(1);
        return r.get(0);
    }

    static List<String> names(JsonNode array) {
        List<String> names = new java.util.ArrayList<>();
        array.forEach(n -> names.add(n.path("name").asString()));
        return names;
    }

    static String call(int id, String tool, String args) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + args + "}}";
    }

    @Test
    void aSessionAnswersEachRequestInOrderAndNeverANotification() throws Exception {
        List<JsonNode> r = session(memberToken,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                "",
                "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        assertThat(r).hasSize(3);
        JsonNode init = r.get(0).get("result");
        assertThat(r.get(0).get("id").asInt()).isEqualTo(1);
        assertThat(init.get("protocolVersion").asString()).isEqualTo("2025-06-18");
        assertThat(init.get("serverInfo").get("name").asString()).isEqualTo("keyway");
        assertThat(init.get("capabilities").has("tools")).isTrue();
        assertThat(r.get(1).get("id").asString()).isEqualTo("p");
        assertThat(r.get(1).get("result").isEmpty()).isTrue();
        assertThat(names(r.get(2).get("result").get("tools")))
                .containsExactly("discover", "explain", "propose", "proposal_status");
    }

    @Test
    void anUnknownProtocolVersionGetsTheLatest() throws Exception {
        JsonNode r = one(memberToken, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"1999-01-01\"}}");
        assertThat(r.get("result").get("protocolVersion").asString()).isEqualTo(McpServer.PROTOCOL_VERSIONS.get(0));
    }

    @Test
    void malformedJsonIsAParseErrorAndTheSessionGoesOn() throws Exception {
        List<JsonNode> r = session(memberToken, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
        assertThat(r.get(0).get("error").get("code").asInt()).isEqualTo(-32700);
        assertThat(r.get(0).get("id").isNull()).isTrue();
        assertThat(r.get(1).get("id").asInt()).isEqualTo(2);
        assertThat(r.get(1).has("result")).isTrue();
    }

    @Test
    void invalidRequestsAreRefused() throws Exception {
        assertThat(one(memberToken, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]").get("error").get("code").asInt()).isEqualTo(-32600);
        assertThat(one(memberToken, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}").get("error").get("code").asInt()).isEqualTo(-32600);
        assertThat(one(memberToken, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}").get("error").get("code").asInt()).isEqualTo(-32600);
        assertThat(one(memberToken, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":7}").get("error").get("code").asInt()).isEqualTo(-32600);
        assertThat(one(memberToken, "42").get("error").get("code").asInt()).isEqualTo(-32600);
    }

    @Test
    void anUnknownMethodIsMethodNotFound() throws Exception {
        JsonNode r = one(memberToken, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/list\"}");
        assertThat(r.get("id").asInt()).isEqualTo(9);
        assertThat(r.get("error").get("code").asInt()).isEqualTo(-32601);
        assertThat(r.get("error").get("message").asString()).isEqualTo("Method not found: resources/list");
    }

    @Test
    void paramsThatDoNotFitAreInvalidParams() throws Exception {
        String[][] cases = {
            {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}", "protocolVersion"},
            {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":[1]}", "'params' must be an object"},
            {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}", "needs 'name'"},
            {call(1, "get_credential", "{}"), "Unknown tool: get_credential"},
            {call(1, "explain", "[]"), "'arguments' must be an object"},
            {call(1, "explain", "{}"), "explain: missing argument 'url'"},
            {call(1, "explain", "{\"url\":7}"), "explain: argument 'url' must be a non-empty string"},
            {call(1, "explain", "{\"url\":\"https://x.example.com/\",\"token\":\"t\"}"), "explain: unknown argument 'token'"},
            {call(1, "propose", "{\"message\":\"m\"}"), "nothing to propose"},
            {call(1, "propose", "{\"message\":\"m\",\"credentials\":[{\"name\":\"K\",\"value\":\"v\"}]}"), "never send a value"},
            {call(1, "proposal_status", "{}"), "missing argument 'id'"},
        };
        for (String[] c : cases) {
            JsonNode r = one(memberToken, c[0]);
            assertThat(r.get("error").get("code").asInt()).as(c[0]).isEqualTo(-32602);
            assertThat(r.get("error").get("message").asString()).as(c[0]).contains(c[1]);
        }
    }

    @Test
    void discoverAndExplainNeverCarryTheCredentialValue() throws Exception {
        List<JsonNode> r = session(memberToken, call(1, "discover", "{}"), call(2, "explain", "{\"url\":\"https://api.github.com/user\"}"));
        JsonNode d = r.get(0).get("result");
        assertThat(d.get("isError").asBoolean()).isFalse();
        assertThat(names(d.get("structuredContent").get("services"))).contains("gh");
        JsonNode e = r.get(1).get("result");
        assertThat(e.get("isError").asBoolean()).as(e.toString()).isFalse();
        assertThat(e.get("structuredContent").get("decision").asString()).isEqualTo("inject");
        assertThat(e.get("structuredContent").get("actor").asString()).contains("helper");
        assertThat(r.toString()).doesNotContain(SECRET).doesNotContain(memberToken);
    }

    @Test
    void aFailingApiCallIsAToolErrorWithTheProblem() throws Exception {
        // a proxy-role agent explains its own request (any role on the vault may) ...
        JsonNode own = one(proxyToken, call(1, "explain", "{\"url\":\"https://api.github.com/user\"}")).get("result");
        assertThat(own.get("isError").asBoolean()).as(own.toString()).isFalse();
        assertThat(own.get("structuredContent").has("candidates_not_granted")).isFalse();
        // ... but a vault it has no role on is refused: the API's 403 comes back as a tool error
        JsonNode forbidden = one(proxyToken, call(1, "explain",
                "{\"url\":\"https://api.github.com/user\",\"vault\":\"" + otherVault + "\"}")).get("result");
        assertThat(forbidden.get("isError").asBoolean()).as(forbidden.toString()).isTrue();
        assertThat(forbidden.get("structuredContent").get("status").asInt()).isEqualTo(403);
        assertThat(forbidden.get("content").get(0).get("text").asString()).startsWith("Keyway refused (HTTP 403 ");
        // a URL the server cannot explain: 422 validation with the server's own words
        JsonNode bad = one(memberToken, call(2, "explain", "{\"url\":\"ftp://x.example.com/\"}")).get("result");
        assertThat(bad.get("isError").asBoolean()).isTrue();
        assertThat(bad.get("structuredContent").get("type").asString()).endsWith("/validation");
        assertThat(bad.get("content").get(0).get("text").asString()).contains("https:// or http://");
        JsonNode missing = one(memberToken, call(3, "proposal_status", "{\"id\":\"nope\"}")).get("result");
        assertThat(missing.get("isError").asBoolean()).isTrue();
        assertThat(missing.get("structuredContent").get("status").asInt()).isEqualTo(404);
        JsonNode unauthorized = one("kw_not-a-real-token", call(4, "discover", "{}")).get("result");
        assertThat(unauthorized.get("isError").asBoolean()).isTrue();
        assertThat(unauthorized.get("structuredContent").get("status").asInt()).isEqualTo(401);
        assertThat(unauthorized.toString()).doesNotContain("kw_not-a-real-token");
    }

    @Test
    void proposeThenStatus() throws Exception {
        JsonNode p = one(memberToken, call(1, "propose", "{\"message\":\"read the weather\",\"services\":[{\"name\":\"weather\","
                + "\"host\":\"api.weather.example.com\",\"inject\":{\"bearer\":\"WEATHER_KEY\"}}],"
                + "\"credentials\":[{\"name\":\"WEATHER_KEY\",\"description\":\"weather API key\"}]}")).get("result");
        assertThat(p.get("isError").asBoolean()).as(p.toString()).isFalse();
        String id = p.get("structuredContent").get("id").asString();
        assertThat(p.get("structuredContent").get("status").asString()).isEqualTo("pending");
        JsonNode s = one(memberToken, call(2, "proposal_status", "{\"id\":\"" + id + "\"}")).get("result");
        assertThat(s.get("structuredContent").get("status").asString()).isEqualTo("pending");
        assertThat(s.get("structuredContent").get("id").asString()).isEqualTo(id);
    }

    @Test
    void anOverlongLineIsRefusedWithoutEndingTheSession() throws Exception {
        String huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"" + "a".repeat(McpServer.MAX_LINE) + "\"}}";
        List<JsonNode> r = session(memberToken, huge, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
        assertThat(r).hasSize(2);
        assertThat(r.get(0).get("error").get("code").asInt()).isEqualTo(-32600);
        assertThat(r.get(1).get("id").asInt()).isEqualTo(2);
    }

    @Test
    void withoutKeywayTokenItRefusesToStart() {
        // the harness's process has no KEYWAY_TOKEN (CI does not set one); the data dir's admin token is never used
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KEYWAY_TOKEN") == null);
        CliHarness.Result r = kw.cli("mcp");
        assertThat(r.code()).as(r.describe()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("needs the agent's own token in KEYWAY_TOKEN");
    }

    @Test
    void helpShowsTheConfigSnippetsWithTheirVariablesUnexpanded() {
        // picocli expands ${VAR} in descriptions from system properties and the environment: unescaped,
        // 'keyway mcp --help' inside 'keyway run' would print the agent's token instead of the placeholder
        // (a bare ${X} resolves system properties first, so a property stands in for the variable here)
        String out;
        System.setProperty("KEYWAY_TOKEN", "kw_help-canary-token");
        try {
            out = CliHarness.raw("mcp", "--help").ok().out();
        } finally {
            System.clearProperty("KEYWAY_TOKEN");
        }
        assertThat(out).doesNotContain("kw_help-canary-token").contains("\"KEYWAY_TOKEN\": \"${KEYWAY_TOKEN}\"")
                .contains("\"KEYWAY_TOKEN\": \"${env:KEYWAY_TOKEN}\"")
                .contains("env_vars = [\"KEYWAY_TOKEN\", \"KEYWAY_ADDR\", \"KEYWAY_VAULT\"]")
                .contains("[mcp_servers.keyway]");
    }
}
