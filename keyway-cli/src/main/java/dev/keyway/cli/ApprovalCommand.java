package dev.keyway.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway approval ...}: requests the proxy holds until a human decides (services with
 * {@code approval:}, issue 12 §3). Members of the vault list, approve (once, or for a while) or deny.
 */
@Command(name = "approval", mixinStandardHelpOptions = true,
        description = {"Approve or deny requests the proxy holds for a human decision.",
            "A service with --require-approval (or 'approval:' in services.yaml) makes the proxy hold each matching request",
            "until a member of the vault approves or denies it. The agent's client simply waits; a denial is 403",
            "approval-denied (with your reason), no decision in time 403 approval-timeout.",
            "Examples:",
            "  keyway approval list",
            "  keyway approval approve apr_3kq8n2 --for 15m"},
        subcommands = {ApprovalCommand.List_.class, ApprovalCommand.Approve.class, ApprovalCommand.Deny.class})
final class ApprovalCommand {
    private ApprovalCommand() {}

    static String path(String id) {
        return "/v1/approvals/" + Paths.seg(id);
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
            description = {"List the requests waiting for a decision in a vault (newest first).",
                "Examples:",
                "  keyway approval list",
                "  keyway approval list --vault prod --all --json"})
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin VaultOption vault;
        @Option(names = "--all", description = "Also decided, timed-out and cancelled approvals.") boolean all;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode list = client.client().get("/v1/approvals?vault=" + Paths.seg(vault.name())
                    + (all ? "" : "&state=pending")).get("approvals");
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                Output.json(out, list);
                return;
            }
            var rows = ApiClient.JSON.createArrayNode();
            for (JsonNode a : list) {
                var row = ApiClient.JSON.createObjectNode();
                row.put("id", a.get("id").asString());
                row.put("state", a.get("state").asString());
                row.put("actor", a.get("actor").asString());
                row.put("service", a.get("service").asString());
                row.put("request", a.get("method").asString() + " " + a.get("host").asString() + a.get("path").asString());
                row.put("waited", a.get("waited_ms").asLong() / 1000 + "s");
                row.put("expires_at", a.get("expires_at").asString());
                rows.add(row);
            }
            if (rows.isEmpty()) {
                out.println(all ? "No approvals in vault " + vault.name() : "No requests waiting for approval in vault " + vault.name());
                out.flush();
                return;
            }
            Output.table(out, rows, "id", "state", "actor", "service", "request", "waited", "expires_at");
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = {"Approve a held request: the proxy forwards it (with the credential injected).",
                "With --for, the same request (same token, service, method and path) goes through without asking until then.",
                "Examples:",
                "  keyway approval approve apr_3kq8n2",
                "  keyway approval approve apr_3kq8n2 --for 15m"})
    static final class Approve implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--for", paramLabel = "DURATION", description = "Keep approving the same request for this long (e.g. 15m; at most 1d).")
        String forDuration;
        @Mixin JsonOption json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (forDuration != null) {
                body.put("for", forDuration);
            }
            JsonNode a = client.client().post(path(id) + "/approve", body);
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                Output.json(out, a);
                return;
            }
            out.println("Approved " + a.get("id").asString() + ": " + a.get("method").asString() + " " + a.get("host").asString()
                    + a.get("path").asString() + " from " + a.get("actor").asString()
                    + (a.has("approved_until") ? " (and the same request until " + a.get("approved_until").asString() + ")" : ""));
            out.flush();
        }
    }

    @Command(name = "deny", aliases = "reject", mixinStandardHelpOptions = true,
            description = {"Deny a held request: the agent gets 403 approval-denied with your reason; nothing is forwarded.",
                "Examples:",
                "  keyway approval deny apr_3kq8n2",
                "  keyway approval deny apr_3kq8n2 --reason 'no deletes on prod; open an issue instead'"})
    static final class Deny implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (shown to the agent; at most 500 characters).") String reason;
        @Mixin JsonOption json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (reason != null) {
                body.put("reason", reason);
            }
            JsonNode a = client.client().post(path(id) + "/deny", body);
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                Output.json(out, a);
                return;
            }
            out.println("Denied " + a.get("id").asString() + ": " + a.get("method").asString() + " " + a.get("host").asString()
                    + a.get("path").asString() + " from " + a.get("actor").asString());
            out.flush();
        }
    }
}
