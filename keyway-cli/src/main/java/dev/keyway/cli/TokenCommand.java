package dev.keyway.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway token ...}: proxy tokens for agents. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Create, list and revoke proxy tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.List_.class, TokenCommand.Revoke.class})
final class TokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Mint a vault-bound proxy token.",
                "Prints the token alone on stdout (or JSON with token, id, accessor, expires_at with --json).",
                "Use it as HTTPS_PROXY=http://TOKEN:VAULT@127.0.0.1:9791"})
    static final class Create implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--vault", defaultValue = "default", paramLabel = "VAULT", description = "Vault (default: ${DEFAULT-VALUE}).") String vault;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime, e.g. 30m, 8h, 7d (default 8h).") String ttl;
        @Option(names = "--display-name", paramLabel = "NAME", description = "Label shown in lists and audit.") String displayName;
        @Option(names = "--json", description = "Print JSON with token, id, accessor, expires_at.") boolean json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("vault", vault);
            if (ttl != null) {
                body.put("ttl", ttl);
            }
            if (displayName != null) {
                body.put("display_name", displayName);
            }
            JsonNode t = client.client().post("/v1/tokens", body);
            if (json) {
                Output.json(spec.commandLine().getOut(), t);
            } else {
                spec.commandLine().getOut().println(t.get("token").asString());
                spec.commandLine().getOut().flush();
            }
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List tokens (ids and accessors, never the tokens).")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--vault", paramLabel = "VAULT", description = "Only tokens bound to this vault.") String vault;
        @Option(names = "--json", description = "Print JSON.") boolean json;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/tokens" + (vault == null ? "" : "?vault=" + Paths.seg(vault)));
            if (json) {
                Output.json(spec.commandLine().getOut(), r.get("tokens"));
            } else {
                Output.table(spec.commandLine().getOut(), r.get("tokens"), "id", "accessor", "type", "vault", "display_name",
                        "expires_at", "revoked");
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by id or accessor; takes effect on the next request.")
    static final class Revoke implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID_OR_ACCESSOR") String id;

        @Override
        public void run() {
            client.client().delete("/v1/tokens/" + Paths.seg(id));
            spec.commandLine().getOut().println("Revoked token " + id);
        }
    }
}
