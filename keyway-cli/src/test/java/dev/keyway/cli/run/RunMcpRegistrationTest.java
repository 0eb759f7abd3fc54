package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code keyway run --install-skill} registering {@code keyway mcp} with agent CLIs. The entry
 * shapes follow each client's documented user-scope configuration: Claude Code's {@code
 * ~/.claude.json} top-level {@code mcpServers} (code.claude.com/docs/en/mcp, "user scope"), Codex's
 * {@code [mcp_servers.NAME]} tables in {@code ~/.codex/config.toml} (Codex docs, "MCP servers"),
 * Cursor's {@code ~/.cursor/mcp.json} {@code mcpServers} (Cursor docs, "Model Context Protocol").
 */
class RunMcpRegistrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final McpRegistrations.Target CLAUDE = McpRegistrations.targets(Map.of(), Path.of("/h")).get(0);
    private static final McpRegistrations.Target CODEX = McpRegistrations.targets(Map.of(), Path.of("/h")).get(1);
    private static final McpRegistrations.Target CURSOR = McpRegistrations.targets(Map.of(), Path.of("/h")).get(2);
    private static final String OURS_CLAUDE = "{\"type\":\"stdio\",\"command\":\"keyway\",\"args\":[\"mcp\"],\"env\":{"
            + "\"KEYWAY_TOKEN\":\"${KEYWAY_TOKEN}\",\"KEYWAY_ADDR\":\"${KEYWAY_ADDR}\",\"KEYWAY_VAULT\":\"${KEYWAY_VAULT:-default}\"}}";

    static List<Object[]> jsonCases() {
        return List.of(
                new Object[] {"no file", null, McpRegistrations.Action.CREATE},
                new Object[] {"empty file", "  \n", McpRegistrations.Action.CREATE},
                new Object[] {"other settings, no servers", "{\"theme\":\"dark\",\"numStartups\":3}", McpRegistrations.Action.ADD},
                new Object[] {"other servers", "{\"mcpServers\":{\"github\":{\"command\":\"gh-mcp\"}}}", McpRegistrations.Action.ADD},
                new Object[] {"ours already", "{\"mcpServers\":{\"keyway\":" + OURS_CLAUDE + "}}", McpRegistrations.Action.UNCHANGED},
                new Object[] {"edited entry", "{\"mcpServers\":{\"keyway\":{\"command\":\"/opt/keyway/bin/keyway\",\"args\":[\"mcp\"]}}}",
                        McpRegistrations.Action.KEEP_USER_ENTRY},
                new Object[] {"invalid JSON", "{\"mcpServers\": {", McpRegistrations.Action.UNREADABLE},
                new Object[] {"not an object", "[1, 2]", McpRegistrations.Action.UNREADABLE},
                new Object[] {"servers not an object", "{\"mcpServers\": []}", McpRegistrations.Action.UNREADABLE});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jsonCases")
    void claudeJson(String name, String existing, McpRegistrations.Action expected) {
        McpRegistrations.Plan plan = McpRegistrations.plan(CLAUDE, existing);
        assertThat(plan.action()).isEqualTo(expected);
        if (expected == McpRegistrations.Action.CREATE || expected == McpRegistrations.Action.ADD) {
            JsonNode after = JSON.readTree(plan.content());
            assertThat(after.get("mcpServers").get("keyway")).isEqualTo(JSON.readTree(OURS_CLAUDE));
            if (existing != null && !existing.isBlank()) {
                // everything that was there is still there, unchanged
                JsonNode before = JSON.readTree(existing);
                before.properties().forEach(e -> {
                    if (!e.getKey().equals("mcpServers")) {
                        assertThat(after.get(e.getKey())).isEqualTo(e.getValue());
                    } else {
                        e.getValue().properties().forEach(s -> assertThat(after.get("mcpServers").get(s.getKey())).isEqualTo(s.getValue()));
                    }
                });
            }
        } else {
            assertThat(plan.content()).isNull();
        }
    }

    @Test
    void cursorUsesItsOwnVariableSyntax() {
        McpRegistrations.Plan plan = McpRegistrations.plan(CURSOR, null);
        JsonNode entry = JSON.readTree(plan.content()).get("mcpServers").get("keyway");
        assertThat(entry.get("command").asString()).isEqualTo("keyway");
        assertThat(entry.get("env").get("KEYWAY_TOKEN").asString()).isEqualTo("${env:KEYWAY_TOKEN}");
        assertThat(entry.has("type")).isFalse();
    }

    static List<Object[]> codexCases() {
        String other = "model = \"o3\"\n\n[mcp_servers.github]\ncommand = \"gh-mcp\"\n";
        return List.of(
                new Object[] {"no file", null, McpRegistrations.Action.CREATE},
                new Object[] {"other settings", other, McpRegistrations.Action.ADD},
                new Object[] {"no trailing newline", "model = \"o3\"", McpRegistrations.Action.ADD},
                new Object[] {"ours already", other + "\n" + McpRegistrations.CODEX_BLOCK, McpRegistrations.Action.UNCHANGED},
                new Object[] {"edited table", "[mcp_servers.keyway]\ncommand = \"/opt/keyway\"\nargs = [\"mcp\"]\n",
                        McpRegistrations.Action.KEEP_USER_ENTRY},
                new Object[] {"quoted table name", "[mcp_servers.\"keyway\"]\ncommand = \"k\"\n", McpRegistrations.Action.KEEP_USER_ENTRY},
                new Object[] {"dotted key", "mcp_servers.keyway.command = \"k\"\n", McpRegistrations.Action.KEEP_USER_ENTRY},
                new Object[] {"inline table in [mcp_servers]", "[mcp_servers]\nkeyway = { command = \"k\" }\n",
                        McpRegistrations.Action.KEEP_USER_ENTRY},
                new Object[] {"keyway key in another table", "[profiles]\nkeyway = \"x\"\n", McpRegistrations.Action.ADD});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codexCases")
    void codexToml(String name, String existing, McpRegistrations.Action expected) throws Exception {
        McpRegistrations.Plan plan = McpRegistrations.plan(CODEX, existing);
        assertThat(plan.action()).isEqualTo(expected);
        if (expected == McpRegistrations.Action.CREATE || expected == McpRegistrations.Action.ADD) {
            if (existing != null) {
                assertThat(plan.content()).startsWith(existing); // the user's text is kept byte for byte
            }
            JsonNode parsed = parseTomlWithPython(plan.content());
            JsonNode k = parsed.get("mcp_servers").get("keyway");
            assertThat(k.get("command").asString()).isEqualTo("keyway");
            assertThat(k.get("args").get(0).asString()).isEqualTo("mcp");
            assertThat(k.get("env_vars")).hasSize(3);
        }
    }

    /** A real TOML parser (Python's tomllib) reads what Keyway wrote: no hand-written TOML reader in the test. */
    private static JsonNode parseTomlWithPython(String toml) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sys, tomllib, json; print(json.dumps(tomllib.loads(sys.stdin.read())))").start();
        p.getOutputStream().write(toml.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tomllib: %s", err).isZero();
        return JSON.readTree(out);
    }

    @Test
    void targetsHonourTheAgentsConfigDirs() {
        List<McpRegistrations.Target> t = McpRegistrations.targets(Map.of("CLAUDE_CONFIG_DIR", "/cc", "CODEX_HOME", "/cx"), Path.of("/h"));
        assertThat(t).extracting(McpRegistrations.Target::file)
                .containsExactly(Path.of("/cc/.claude.json"), Path.of("/cx/config.toml"), Path.of("/h/.cursor/mcp.json"));
        assertThat(McpRegistrations.targets(Map.of(), Path.of("/h"))).extracting(McpRegistrations.Target::file)
                .containsExactly(Path.of("/h/.claude.json"), Path.of("/h/.codex/config.toml"), Path.of("/h/.cursor/mcp.json"));
        assertThat(McpRegistrations.select(t, null, "codex"::equals)).extracting(McpRegistrations.Target::agent).containsExactly("Codex");
        assertThat(McpRegistrations.select(t, false, p -> true)).isEmpty();
        assertThat(McpRegistrations.select(t, true, p -> false)).hasSize(3);
    }

    @Test
    void installerAddsKeepsModesAndNeverTouchesWhatItCannotRead(@TempDir Path home) throws Exception {
        List<McpRegistrations.Target> t = McpRegistrations.select(McpRegistrations.targets(Map.of(), home), null,
                Set.of("claude", "codex", "cursor")::contains);
        Path claude = home.resolve(".claude.json");
        Path codex = home.resolve(".codex/config.toml");
        Path cursor = home.resolve(".cursor/mcp.json");
        Files.writeString(claude, "{\"theme\":\"dark\",\"mcpServers\":{\"github\":{\"command\":\"gh-mcp\"}}}");
        Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rw-r-----"));
        Files.createDirectories(cursor.getParent());
        Files.writeString(cursor, "{ this is not json");
        StringWriter err = new StringWriter();
        McpInstaller.install(t, new PrintWriter(err), true);

        JsonNode c = JSON.readTree(Files.readString(claude));
        assertThat(c.get("theme").asString()).isEqualTo("dark");
        assertThat(c.get("mcpServers").get("github").get("command").asString()).isEqualTo("gh-mcp");
        assertThat(c.get("mcpServers").get("keyway")).isEqualTo(JSON.readTree(OURS_CLAUDE));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(claude))).isEqualTo("rw-r-----");
        assertThat(Files.readString(codex)).isEqualTo(McpRegistrations.CODEX_BLOCK);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(codex))).isEqualTo("rw-------");
        assertThat(Files.readString(cursor)).isEqualTo("{ this is not json");
        assertThat(err.toString())
                .contains("registered the Keyway MCP server ('keyway mcp') for Claude Code in " + claude)
                .contains("registered the Keyway MCP server ('keyway mcp') for Codex in " + codex)
                .contains("left " + cursor + " unchanged (not valid JSON");
        try (var files = Files.list(home.resolve(".codex"))) {
            assertThat(files).containsExactly(codex); // no temporary file left behind
        }

        // a second run changes nothing; an edited entry is kept
        Files.writeString(codex, Files.readString(codex).replace("command = \"keyway\"", "command = \"/opt/keyway\""));
        StringWriter again = new StringWriter();
        McpInstaller.install(t, new PrintWriter(again), true);
        assertThat(again.toString()).doesNotContain("registered").contains("kept the existing 'keyway' MCP server entry in " + codex);
        assertThat(Files.readString(codex)).contains("/opt/keyway");
    }
}
