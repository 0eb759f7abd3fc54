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
        subcommands = {TokenCommand.Create.class, TokenCommand.List_.class, TokenCommand.Lookup.class, TokenCommand.Renew.class,
            TokenCommand.Revoke.class, TokenKeepCommand.class})
final class TokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Mint a vault-bound proxy token.",
                "Prints the token alone on stdout (or JSON with token, id, accessor, expires_at with --json).",
                "Use it as HTTPS_PROXY=http://TOKEN:VAULT@127.0.0.1:9791"})
    static final class Create implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin VaultOption vault;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime, e.g. 30m, 8h, 7d (default 8h).") String ttl;
        @Option(names = "--display-name", paramLabel = "NAME", description = "Label shown in lists and audit.") String displayName;
        @Option(names = "--period", paramLabel = "DURATION", description = "Periodic token: never expires while renewed within the period.") String period;
        @Option(names = "--max-ttl", paramLabel = "DURATION", description = "Hard end: no renewal can pass it.") String maxTtl;
        @Option(names = "--services", split = ",", paramLabel = "a,b", description = "Restrict the token to these services.") java.util.List<String> services;
        @Mixin JsonOption json;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("vault", vault.name());
            if (period != null) {
                body.put("period", period);
            }
            if (maxTtl != null) {
                body.put("max_ttl", maxTtl);
            }
            if (services != null) {
                body.put("services", services);
            }
            if (ttl != null) {
                body.put("ttl", ttl);
            }
            if (displayName != null) {
                body.put("display_name", displayName);
            }
            JsonNode t = client.client().post("/v1/tokens", body);
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), t);
            } else {
                spec.commandLine().getOut().println(t.get("token").asString());
                spec.commandLine().getOut().flush();
            }
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
            description = {"List live tokens (ids and accessors, never the tokens); revoked and expired ones only with --all.",
                "Example: keyway token list --vault default --all"})
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--vault", paramLabel = "VAULT", description = "Only tokens bound to this vault.") String vault;
        @Option(names = "--all", description = "Also list revoked and expired tokens.") boolean all;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/tokens" + (vault == null ? "" : "?vault=" + Paths.seg(vault)));
            var shown = ApiClient.JSON.createArrayNode();
            int hidden = 0;
            java.time.Instant now = java.time.Instant.now();
            for (JsonNode t : r.get("tokens")) {
                if (all || live(t, now)) {
                    shown.add(t);
                } else {
                    hidden++;
                }
            }
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), shown);
                return;
            }
            Output.table(spec.commandLine().getOut(), shown, "id", "accessor", "type", "vault", "display_name", "expires_at", "revoked");
            if (hidden > 0) {
                spec.commandLine().getOut().println("(" + hidden + " revoked or expired token" + (hidden == 1 ? "" : "s")
                        + " hidden; --all lists them)");
                spec.commandLine().getOut().flush();
            }
        }

        /** Not revoked and not past its expiry (a token without expiry is live until revoked). */
        static boolean live(JsonNode t, java.time.Instant now) {
            if (t.path("revoked").asBoolean()) {
                return false;
            }
            JsonNode e = t.get("expires_at");
            return e == null || e.isNull() || e.asString().isEmpty() || java.time.Instant.parse(e.asString()).isAfter(now);
        }
    }

    /** A token given either as the token itself (positional) or by accessor/id. */
    static Map<String, Object> ref(String token, String accessor) {
        if ((token == null) == (accessor == null)) {
            throw new CliException(ExitCodes.USAGE, "give a TOKEN or --accessor A (one of them)");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (token != null && token.startsWith("kw_")) {
            m.put("token", token);
        } else {
            m.put("accessor", token != null ? token : accessor);
        }
        return m;
    }

    @Command(name = "lookup", mixinStandardHelpOptions = true,
            description = "Show a token's metadata: the current token (no argument), a TOKEN, or --accessor A.")
    static final class Lookup implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "TOKEN", arity = "0..1") String token;
        @Option(names = "--accessor", paramLabel = "A") String accessor;

        @Override
        public void run() {
            ApiClient api = client.client();
            JsonNode r = token == null && accessor == null ? api.get("/v1/tokens/lookup-self") : api.post("/v1/tokens/lookup", ref(token, accessor));
            Output.json(spec.commandLine().getOut(), r);
        }
    }

    @Command(name = "renew", mixinStandardHelpOptions = true,
            description = {"Renew the current token (no argument), a TOKEN, or --accessor A.",
                "Periodic tokens renew by their period; others by --increment (default 1h). Never past the max TTL."})
    static final class Renew implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "TOKEN", arity = "0..1") String token;
        @Option(names = "--accessor", paramLabel = "A") String accessor;
        @Option(names = "--increment", paramLabel = "DURATION") String increment;
        @Mixin JsonOption json;

        @Override
        public void run() {
            ApiClient api = client.client();
            JsonNode r;
            if (token == null && accessor == null) {
                r = api.post("/v1/tokens/renew-self", increment == null ? Map.of() : Map.of("increment", increment));
            } else {
                Map<String, Object> body = ref(token, accessor);
                if (increment != null) {
                    body.put("increment", increment);
                }
                r = api.post("/v1/tokens/renew", body);
            }
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), r);
            } else {
                spec.commandLine().getOut().println("Renewed " + r.path("accessor").asString() + ": expires "
                        + (r.hasNonNull("expires_at") ? r.get("expires_at").asString() : "never"));
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke a TOKEN, or one given by --accessor A (an id works too), and every token it minted.",
                "Takes effect on the next request; open proxy connections using it are closed."})
    static final class Revoke implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "TOKEN", arity = "0..1") String token;
        @Option(names = "--accessor", paramLabel = "A") String accessor;

        @Override
        public void run() {
            JsonNode r = client.client().post("/v1/tokens/revoke", ref(token, accessor));
            spec.commandLine().getOut().println("Revoked token " + r.path("accessor").asString());
        }
    }
}
