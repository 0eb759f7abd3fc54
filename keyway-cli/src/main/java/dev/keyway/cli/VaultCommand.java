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
            VaultCommand.SetPolicy.class})
final class VaultCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a vault.")
    static final class Create implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Vault name: lower-case letters, digits and '-'.") String name;
        @Option(names = "--unmatched", paramLabel = "POLICY", description = "Unmatched-host policy: tunnel (default), intercept or deny.")
        String unmatched;
        @Option(names = "--json", description = "Print the vault as JSON.") boolean json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (unmatched != null) {
                body.put("unmatched", unmatched);
            }
            JsonNode v = client.client().post("/v1/vaults", body);
            if (json) {
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
        @Option(names = "--json", description = "Print JSON.") boolean json;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/vaults");
            if (json) {
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
}
