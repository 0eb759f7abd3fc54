package dev.keyway.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway vault ...}: manage vaults. */
@Command(name = "vault", mixinStandardHelpOptions = true, description = "Create, list and delete vaults; set the unmatched-host policy.",
        subcommands = {VaultCommand.Create.class, VaultCommand.List_.class, VaultCommand.Show.class, VaultCommand.Delete.class,
            VaultCommand.SetPolicy.class, VaultCommand.Members.class})
final class VaultCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a vault.")
    static final class Create implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Vault name: lower-case letters, digits and '-'.") String name;
        @Option(names = "--unmatched", paramLabel = "POLICY", description = "Unmatched-host policy: tunnel (default), intercept or deny.")
        String unmatched;
        @Mixin JsonOption json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (unmatched != null) {
                body.put("unmatched", unmatched);
            }
            JsonNode v = client.client().post("/v1/vaults", body);
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), v);
            } else {
                spec.commandLine().getOut().println("Created vault " + v.get("name").asString()
                        + " (unmatched hosts: " + v.get("unmatched").asString() + ")");
            }
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List vaults.")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/vaults");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), r.get("vaults"));
            } else {
                Output.table(spec.commandLine().getOut(), r.get("vaults"), "name", "unmatched", "created_at", "created_by");
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one vault.")
    static final class Show implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            Output.json(spec.commandLine().getOut(), client.client().get("/v1/vaults/" + Paths.seg(name)));
        }
    }

    @Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true,
            description = "Delete a vault with all its credentials, services and tokens.")
    static final class Delete implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            client.client().delete("/v1/vaults/" + Paths.seg(name));
            spec.commandLine().getOut().println("Deleted vault " + name);
        }
    }

    @Command(name = "set-policy", mixinStandardHelpOptions = true,
            description = "Set what the proxy does with hosts no service matches: tunnel (blind CONNECT, default), "
                    + "intercept (terminate TLS and log, inject nothing) or deny (403).")
    static final class SetPolicy implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "VAULT") String vault;
        @Option(names = "--unmatched", required = true, paramLabel = "POLICY", description = "tunnel, intercept or deny") String unmatched;

        @Override
        public void run() {
            client.client().put("/v1/vaults/" + Paths.seg(vault) + "/policy", Map.of("unmatched", unmatched));
            spec.commandLine().getOut().println("Vault " + vault + ": unmatched hosts are now handled with '" + unmatched + "'");
        }
    }

    @Command(name = "member", mixinStandardHelpOptions = true,
            description = "Vault members: users and agents with a role (proxy, member, admin) on the vault.",
            subcommands = {Members.List_.class, Members.Add.class, Members.Remove.class})
    static final class Members {
        @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List members of a vault.")
        static final class List_ implements Runnable {
            @Mixin ClientOptions client;
            @Spec picocli.CommandLine.Model.CommandSpec spec;
            @Parameters(paramLabel = "VAULT") String vault;
            @Mixin JsonOption json;

            @Override
            public void run() {
                JsonNode r = client.client().get("/v1/vaults/" + Paths.seg(vault) + "/members");
                if (json.enabled()) {
                    Output.json(spec.commandLine().getOut(), r.get("members"));
                } else {
                    Output.table(spec.commandLine().getOut(), r.get("members"), "user", "agent", "role");
                }
            }
        }

        @Command(name = "add", mixinStandardHelpOptions = true, description = "Give a user (--user EMAIL) or agent (--agent NAME) a role.")
        static final class Add implements Runnable {
            @Mixin ClientOptions client;
            @Spec picocli.CommandLine.Model.CommandSpec spec;
            @Parameters(paramLabel = "VAULT") String vault;
            @Option(names = "--user", paramLabel = "EMAIL") String user;
            @Option(names = "--agent", paramLabel = "NAME") String agent;
            @Option(names = "--role", defaultValue = "proxy", description = "proxy (default), member or admin") String role;

            @Override
            public void run() {
                Map<String, Object> body = new LinkedHashMap<>();
                if (user != null) {
                    body.put("user", user);
                }
                if (agent != null) {
                    body.put("agent", agent);
                }
                body.put("role", role);
                client.client().put("/v1/vaults/" + Paths.seg(vault) + "/members", body);
                spec.commandLine().getOut().println((user != null ? user : "agent " + agent) + " is now " + role + " on vault " + vault);
            }
        }

        @Command(name = "remove", aliases = "rm", mixinStandardHelpOptions = true, description = "Remove a user (EMAIL) or agent (NAME) from a vault.")
        static final class Remove implements Runnable {
            @Mixin ClientOptions client;
            @Spec picocli.CommandLine.Model.CommandSpec spec;
            @Parameters(index = "0", paramLabel = "VAULT") String vault;
            @Parameters(index = "1", paramLabel = "EMAIL_OR_AGENT") String subject;

            @Override
            public void run() {
                client.client().delete("/v1/vaults/" + Paths.seg(vault) + "/members/" + Paths.seg(subject));
                spec.commandLine().getOut().println("Removed " + subject + " from vault " + vault);
            }
        }
    }
}
