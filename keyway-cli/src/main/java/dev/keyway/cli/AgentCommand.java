package dev.keyway.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway agent ...}: non-human identities. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Agents are non-human identities with vault roles and an optional service subset.",
        subcommands = {AgentCommand.Create.class, AgentCommand.List_.class, AgentCommand.Show.class, AgentCommand.SetServices.class,
            AgentCommand.Rotate.class,
            AgentCommand.Revoke.class, AgentCommand.Delete.class})
final class AgentCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create an agent and print its token alone on stdout (or JSON with --json).",
                "Roles: proxy (use the proxy, discover, propose), member (manage credentials/services), admin.",
                "Example: keyway agent create claude --vault default:proxy --services openai,github --period 768h"})
    static final class Create implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--vault", required = true, paramLabel = "VAULT[:ROLE]", description = "Grant (repeatable); role defaults to proxy.")
        List<String> vaults;
        @Option(names = "--services", split = ",", paramLabel = "a,b", description = "Restrict the agent to these services.") List<String> services;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "Token lifetime (default: no expiry; rotate or revoke it).") String ttl;
        @Option(names = "--period", paramLabel = "DURATION", description = "Periodic token: stays valid while renewed within the period.") String period;
        @Mixin JsonOption json;

        @Override
        public void run() {
            List<Map<String, String>> grants = new ArrayList<>();
            for (String v : vaults) {
                int c = v.indexOf(':');
                Map<String, String> g = new LinkedHashMap<>();
                g.put("vault", c < 0 ? v : v.substring(0, c));
                if (c >= 0) {
                    g.put("role", v.substring(c + 1));
                }
                grants.add(g);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("vaults", grants);
            if (services != null) {
                body.put("services", services);
            }
            if (ttl != null) {
                body.put("ttl", ttl);
            }
            if (period != null) {
                body.put("period", period);
            }
            JsonNode r = client.client().post("/v1/agents", body);
            print(spec, r, json.enabled());
        }
    }

    static void print(picocli.CommandLine.Model.CommandSpec spec, JsonNode r, boolean json) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("token", r.get("token").asString());
            m.put("id", r.get("id").asString());
            m.put("accessor", r.get("accessor").asString());
            m.put("expires_at", r.hasNonNull("expires_at") ? r.get("expires_at").asString() : null);
            m.put("agent", r.get("agent"));
            Output.json(spec.commandLine().getOut(), m);
        } else {
            spec.commandLine().getOut().println(r.get("token").asString());
            spec.commandLine().getOut().flush();
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List agents.")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/agents");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), r.get("agents"));
                return;
            }
            var rows = ApiClient.JSON.createArrayNode();
            for (JsonNode a : r.get("agents")) {
                var row = ApiClient.JSON.createObjectNode();
                row.put("name", a.path("name").asString());
                List<String> g = new ArrayList<>();
                a.path("vaults").forEach(v -> g.add(v.path("vault").asString() + ":" + v.path("role").asString()));
                row.put("vaults", String.join(",", g));
                row.put("services", a.hasNonNull("services") ? a.get("services").toString() : "all");
                row.put("revoked", a.path("revoked").asBoolean() ? "yes" : "no");
                row.put("created_at", a.path("created_at").asString());
                rows.add(row);
            }
            Output.table(spec.commandLine().getOut(), rows, "name", "vaults", "services", "revoked", "created_at");
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an agent, its grants and token accessors.")
    static final class Show implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            Output.json(spec.commandLine().getOut(), client.client().get("/v1/agents/" + Paths.seg(name)));
        }
    }

    @Command(name = "set-services", mixinStandardHelpOptions = true,
            description = {"Widen or narrow an agent's services; its token follows at once, no new token.",
                "Example: keyway agent set-services claude openai,github",
                "Example: keyway agent set-services claude --all"})
    static final class SetServices implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", arity = "0..1", split = ",", paramLabel = "a,b", description = "The services it may use from now on.")
        List<String> services;
        @Option(names = "--all", description = "Lift the restriction: the agent may use every service of its vaults.") boolean all;

        @Override
        public void run() {
            if (all == (services != null && !services.isEmpty())) {
                throw new CliException(ExitCodes.USAGE, "give either a comma-separated list of services or --all");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("services", all ? null : services);
            JsonNode r = client.client().put("/v1/agents/" + Paths.seg(name) + "/services", body);
            spec.commandLine().getOut().println("Agent " + name + " may now use "
                    + (r.hasNonNull("services") ? String.join(", ", ProposalCommand.strings(r.get("services"))) : "every service of its vaults"));
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Mint a new agent token and revoke the old one at once (with the tokens it minted). Prints the new token.")
    static final class Rotate implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--ttl", paramLabel = "DURATION") String ttl;
        @Option(names = "--period", paramLabel = "DURATION") String period;
        @Mixin JsonOption json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (ttl != null) {
                body.put("ttl", ttl);
            }
            if (period != null) {
                body.put("period", period);
            }
            print(spec, client.client().post("/v1/agents/" + Paths.seg(name) + "/rotate", body), json.enabled());
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Disable an agent (kept for audit) and revoke all its tokens.")
    static final class Revoke implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            client.client().post("/v1/agents/" + Paths.seg(name) + "/revoke", Map.of());
            spec.commandLine().getOut().println("Revoked agent " + name + " and its tokens");
        }
    }

    @Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true, description = "Delete an agent, its grants and tokens.")
    static final class Delete implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            client.client().delete("/v1/agents/" + Paths.seg(name));
            spec.commandLine().getOut().println("Deleted agent " + name);
        }
    }
}
