package dev.keyway.cli;

import dev.keyway.cli.mcp.McpServer;
import dev.keyway.cli.mcp.McpTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code keyway mcp}: the Model Context Protocol server an agent CLI launches over stdio. It acts
 * with the agent's own token ({@code KEYWAY_TOKEN}, as inside {@code keyway run}) and never falls
 * back to the data dir's admin token or a login session: an agent that can start a process on the
 * operator's machine must not get the operator's rights through it (fail closed).
 */
@Command(name = "mcp", mixinStandardHelpOptions = true,
        description = {"Serve the Model Context Protocol on stdin/stdout for an agent CLI (JSON-RPC 2.0, one",
            "message per line; logs and errors go to stderr). Tools: discover (what this agent may use),",
            "explain (what the proxy would do with a URL), propose (ask a human for a service or credential),",
            "proposal_status. No tool returns a credential value.",
            "Authenticates with the agent's own token from KEYWAY_TOKEN (set by 'keyway run', or an agent",
            "token); the server from KEYWAY_ADDR or --addr; the vault from KEYWAY_VAULT. Without KEYWAY_TOKEN",
            "it refuses to start: it never uses the local admin token.",
            "",
            "Agent CLIs do not pass their whole environment to MCP servers, so each entry forwards the",
            "variables that 'keyway run -- AGENT' set:",
            "Claude Code (.mcp.json):",
            "  {\"mcpServers\": {\"keyway\": {\"command\": \"keyway\", \"args\": [\"mcp\"], \"env\": {",
            "    \"KEYWAY_TOKEN\": \"$${KEYWAY_TOKEN}\", \"KEYWAY_ADDR\": \"$${KEYWAY_ADDR}\",",
            "    \"KEYWAY_VAULT\": \"$${KEYWAY_VAULT:-default}\"}}}}",
            "Codex (~/.codex/config.toml):",
            "  [mcp_servers.keyway]",
            "  command = \"keyway\"",
            "  args = [\"mcp\"]",
            "  env_vars = [\"KEYWAY_TOKEN\", \"KEYWAY_ADDR\", \"KEYWAY_VAULT\"]",
            "Cursor (.cursor/mcp.json):",
            "  {\"mcpServers\": {\"keyway\": {\"command\": \"keyway\", \"args\": [\"mcp\"], \"env\": {",
            "    \"KEYWAY_TOKEN\": \"$${env:KEYWAY_TOKEN}\", \"KEYWAY_ADDR\": \"$${env:KEYWAY_ADDR}\",",
            "    \"KEYWAY_VAULT\": \"$${env:KEYWAY_VAULT}\"}}}}",
            "Then start the agent with 'keyway run -- claude' (or codex, cursor-agent).",
            "See docs/mcp.md."})
final class McpCommand implements Runnable {
    @Mixin ClientOptions client;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        String token = System.getenv("KEYWAY_TOKEN");
        if (token == null || token.isBlank()) {
            throw new CliException(ExitCodes.USAGE, "keyway mcp needs the agent's own token in KEYWAY_TOKEN (it never uses "
                    + "the admin token or a login session): run the agent under 'keyway run', or set KEYWAY_TOKEN in the "
                    + "MCP server entry of the agent's config (see keyway mcp --help)");
        }
        ApiClient api = ApiClient.create(client.address(), client.dataDir()).withToken(token.strip());
        McpTools tools = new McpTools(new McpTools.Api() {
            @Override
            public tools.jackson.databind.JsonNode get(String path) {
                return api.get(path);
            }

            @Override
            public tools.jackson.databind.JsonNode post(String path, Object body) {
                return api.post(path, body);
            }
        }, System.getenv("KEYWAY_VAULT"));
        String v = Main.class.getPackage().getImplementationVersion();
        try {
            new McpServer(tools, v == null ? "dev" : v).serve(System.in, spec.commandLine().getOut());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
