package dev.keyway.cli.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where agent CLIs keep their MCP server configuration, and how Keyway adds its {@code keyway mcp}
 * entry there ({@code keyway run --install-skill}). Pure decisions over a file's text, so they are
 * tested with tables; {@link McpInstaller} does the file I/O.
 *
 * <p>Why the rule is "add, never change": these files belong to the user and to the agent CLI
 * (Claude Code rewrites {@code ~/.claude.json} itself). Keyway only adds an entry named {@code
 * keyway} when there is none; an existing {@code keyway} entry is left exactly as it is, whoever
 * wrote it, and a file Keyway cannot parse is not touched. The entries carry no secret: they forward
 * the {@code KEYWAY_TOKEN}, {@code KEYWAY_ADDR} and {@code KEYWAY_VAULT} that {@code keyway run}
 * sets for the agent, by reference (docs/mcp.md).
 */
public final class McpRegistrations {
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    /** A Codex table or key that defines the server {@code keyway} (quoted or bare). */
    private static final Pattern CODEX_KEYWAY = Pattern.compile(
            "(?m)^\\s*(\\[\\s*mcp_servers\\s*\\.\\s*(keyway|\"keyway\"|'keyway')\\s*\\]|mcp_servers\\s*\\.\\s*(keyway|\"keyway\"|'keyway')\\s*[.=])");
    private static final Pattern CODEX_SERVERS_TABLE = Pattern.compile("(?m)^\\s*\\[\\s*mcp_servers\\s*\\]\\s*$");
    private static final Pattern CODEX_KEYWAY_KEY = Pattern.compile("^\\s*(keyway|\"keyway\"|'keyway')\\s*[.=]");
    private static final Pattern TABLE_HEADER = Pattern.compile("^\\s*\\[");

    private McpRegistrations() {}

    /** How a target file is written. */
    public enum Format {
        /** A JSON object whose {@code mcpServers} object maps names to servers (Claude Code, Cursor). */
        JSON_MCP_SERVERS,
        /** Codex's TOML {@code config.toml}, with {@code [mcp_servers.NAME]} tables. */
        CODEX_TOML
    }

    /** What to do with one file. */
    public enum Action {
        /** No file (or an empty one): create it with only Keyway's entry. */
        CREATE,
        /** The file has no {@code keyway} server: add Keyway's entry, keep everything else. */
        ADD,
        /** Keyway's entry is already there, exactly. */
        UNCHANGED,
        /** A {@code keyway} server is defined differently (edited, or the user's own): leave the file alone. */
        KEEP_USER_ENTRY,
        /** The file is not what the agent's format says (invalid JSON, {@code mcpServers} not an object): leave it alone. */
        UNREADABLE
    }

    /** One agent's MCP configuration file, and the programs whose presence on PATH means that agent is installed. */
    public record Target(String agent, List<String> programs, Path file, Format format, String entryStyle) {}

    /**
     * The decision for one file and, for {@link Action#CREATE} and {@link Action#ADD}, the new text.
     *
     * @param detail why a file is left alone (parse error), or null
     */
    public record Plan(Action action, @Nullable String content, @Nullable String detail) {}

    /** The user-scope configuration files of the agent CLIs that read MCP servers from a file. */
    public static List<Target> targets(Map<String, String> env, Path home) {
        String claudeDir = env.get("CLAUDE_CONFIG_DIR");
        Path claude = claudeDir == null || claudeDir.isBlank() ? home.resolve(".claude.json")
                : Path.of(claudeDir).resolve(".claude.json");
        String codexHome = env.get("CODEX_HOME");
        Path codex = (codexHome == null || codexHome.isBlank() ? home.resolve(".codex") : Path.of(codexHome))
                .resolve("config.toml");
        return List.of(
                new Target("Claude Code", List.of("claude"), claude, Format.JSON_MCP_SERVERS, "claude"),
                new Target("Codex", List.of("codex"), codex, Format.CODEX_TOML, "codex"),
                new Target("Cursor", List.of("cursor-agent", "cursor"), home.resolve(".cursor/mcp.json"),
                        Format.JSON_MCP_SERVERS, "cursor"));
    }

    /** Keyway's entry for a JSON target: each client spells "the value of this variable" its own way. */
    static ObjectNode jsonEntry(String style) {
        ObjectNode e = JSON.createObjectNode();
        if (style.equals("claude")) {
            e.put("type", "stdio");
        }
        e.put("command", "keyway");
        e.putArray("args").add("mcp");
        ObjectNode env = e.putObject("env");
        if (style.equals("cursor")) {
            env.put("KEYWAY_TOKEN", "${env:KEYWAY_TOKEN}");
            env.put("KEYWAY_ADDR", "${env:KEYWAY_ADDR}");
            env.put("KEYWAY_VAULT", "${env:KEYWAY_VAULT}");
        } else {
            env.put("KEYWAY_TOKEN", "${KEYWAY_TOKEN}");
            env.put("KEYWAY_ADDR", "${KEYWAY_ADDR}");
            env.put("KEYWAY_VAULT", "${KEYWAY_VAULT:-default}");
        }
        return e;
    }

    /** Keyway's table for Codex ({@code env_vars} forwards the variables by name). */
    static final String CODEX_BLOCK = """
            [mcp_servers.keyway]
            command = "keyway"
            args = ["mcp"]
            env_vars = ["KEYWAY_TOKEN", "KEYWAY_ADDR", "KEYWAY_VAULT"]
            """;

    /** What to do with {@code existing} (null: no file) for {@code target}. */
    public static Plan plan(Target target, @Nullable String existing) {
        return switch (target.format()) {
            case JSON_MCP_SERVERS -> planJson(existing, jsonEntry(target.entryStyle()));
            case CODEX_TOML -> planCodex(existing);
        };
    }

    private static Plan planJson(@Nullable String existing, ObjectNode entry) {
        if (existing == null || existing.isBlank()) {
            ObjectNode root = JSON.createObjectNode();
            root.putObject("mcpServers").set("keyway", entry);
            return new Plan(Action.CREATE, JSON.writeValueAsString(root) + "\n", null);
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(existing);
        } catch (JacksonException e) {
            return new Plan(Action.UNREADABLE, null, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(parsed instanceof ObjectNode root)) {
            return new Plan(Action.UNREADABLE, null, "not a JSON object");
        }
        JsonNode servers = root.get("mcpServers");
        if (servers != null && !(servers instanceof ObjectNode)) {
            return new Plan(Action.UNREADABLE, null, "\"mcpServers\" is not an object");
        }
        if (servers != null && servers.has("keyway")) {
            return new Plan(servers.get("keyway").equals(entry) ? Action.UNCHANGED : Action.KEEP_USER_ENTRY, null, null);
        }
        ObjectNode s = servers == null ? root.putObject("mcpServers") : (ObjectNode) servers;
        s.set("keyway", entry);
        return new Plan(Action.ADD, JSON.writeValueAsString(root) + "\n", null);
    }

    private static Plan planCodex(@Nullable String existing) {
        if (existing == null || existing.isBlank()) {
            return new Plan(Action.CREATE, CODEX_BLOCK, null);
        }
        if (definesKeyway(existing)) {
            return new Plan(existing.contains(CODEX_BLOCK) ? Action.UNCHANGED : Action.KEEP_USER_ENTRY, null, null);
        }
        String sep = existing.endsWith("\n") ? "\n" : "\n\n";
        return new Plan(Action.ADD, existing + sep + CODEX_BLOCK, null);
    }

    /** Whether a Codex config already defines a server named {@code keyway}, in any of TOML's spellings. */
    static boolean definesKeyway(String toml) {
        if (CODEX_KEYWAY.matcher(toml).find()) {
            return true;
        }
        if (!CODEX_SERVERS_TABLE.matcher(toml).find()) {
            return false;
        }
        boolean inServers = false;
        for (String line : toml.split("\n", -1)) {
            if (TABLE_HEADER.matcher(line).find()) {
                inServers = CODEX_SERVERS_TABLE.matcher(line).matches();
            } else if (inServers && CODEX_KEYWAY_KEY.matcher(line).find()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Which targets to register with: all with {@code --install-skill} ({@code install} true), none
     * with {@code --no-install-skill}, otherwise those whose agent program is on PATH (or being run).
     */
    public static List<Target> select(List<Target> all, @Nullable Boolean install, java.util.function.Predicate<String> onPath) {
        if (install != null) {
            return install ? all : List.of();
        }
        return all.stream().filter(t -> t.programs().stream().anyMatch(onPath)).toList();
    }
}
