package dev.keyway.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway limit ...}: rate limits on the proxy (issue 12 §4). A limit is a token bucket over
 * a vault's requests, narrowed by service, agent or token, and credential; over it the agent gets 429
 * {@code rate-limited} with {@code Retry-After} and nothing is forwarded.
 */
@Command(name = "limit", mixinStandardHelpOptions = true,
        description = {"Rate limits on the proxy: at most N requests per duration (token bucket; the tightest limit wins).",
            "Set and remove are for the instance owner; members of a vault can list its limits."},
        subcommands = {LimitCommand.Set.class, LimitCommand.List_.class, LimitCommand.Remove.class})
final class LimitCommand {
    private LimitCommand() {}

    /** At most one of agent and token. */
    static final class Who {
        @Option(names = "--agent", paramLabel = "AGENT", description = "Count only this agent's requests.") @Nullable String agent;
        @Option(names = "--token-id", paramLabel = "ID", description = "Count only requests made with this token (its id, see 'keyway token list').")
        @Nullable String tokenId;
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set a limit (setting the same vault/service/agent/token/credential again replaces its rate).")
    static final class Set implements Runnable {
        @Mixin ClientOptions client;
        @Mixin VaultOption vault;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--service", paramLabel = "SERVICE", description = "Count only requests matched to this service.") @Nullable String service;
        @ArgGroup(exclusive = true, multiplicity = "0..1") @Nullable Who who;
        @Option(names = "--credential", paramLabel = "NAME", description = "Count only requests that inject this credential.") @Nullable String credential;
        @Option(names = "--requests", required = true, paramLabel = "N", description = "Requests allowed per window (1 to 1000000); also the burst.") long requests;
        @Option(names = "--per", required = true, paramLabel = "DURATION", description = "The window, 1s to 31d (e.g. 1s, 1m, 1h, 1d).") String per;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("vault", vault.name());
            body.put("service", service);
            body.put("agent", who == null ? null : who.agent);
            body.put("token_id", who == null ? null : who.tokenId);
            body.put("credential", credential);
            body.put("requests", requests);
            body.put("per", per);
            JsonNode l = client.client().post("/v1/limits", body);
            spec.commandLine().getOut().println("Limit " + l.get("id").asString() + " on vault " + l.get("vault").asString() + ": "
                    + l.get("description").asString());
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the limits of the vaults you may see.")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode list = client.client().get("/v1/limits").get("limits");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), list);
            } else {
                Output.table(spec.commandLine().getOut(), list, "id", "vault", "service", "agent", "token_id", "credential", "requests",
                        "per");
            }
        }
    }

    @Command(name = "remove", aliases = {"rm", "delete"}, mixinStandardHelpOptions = true, description = "Remove a limit; its traffic flows at once.")
    static final class Remove implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "The limit's id (lim_..., see 'keyway limit list').") String id;

        @Override
        public void run() {
            client.client().delete("/v1/limits/" + Paths.seg(id));
            spec.commandLine().getOut().println("Removed limit " + id);
        }
    }
}
