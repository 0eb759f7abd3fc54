package dev.keyway.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway explain URL}: what the proxy would do with a request, without sending it. The server
 * runs the proxy's own decision code ({@code POST /v1/vaults/{vault}/explain}); this prints it.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain what Keyway's proxy would do with a request, without sending it:",
            "which service matches and why (the candidates and the rule that decided), what would be injected",
            "(kinds and credential names, never values), or what would be denied and why, or which",
            "unmatched-host policy applies. Uses the proxy's own decision code. Any role on the vault may",
            "explain its own request (a proxy-role agent sees only its own services); --token needs the",
            "member role, --agent the admin role.",
            "Examples:",
            "  keyway explain https://api.github.com/repos/o/r/issues --method POST",
            "  keyway explain https://api.openai.com/v1/models --agent claude --vault team-a",
            "  keyway explain https://example.com/ --token \"$KEYWAY_TOKEN\" --json"})
final class ExplainCommand implements Runnable {
    @Mixin ClientOptions client;
    @Mixin VaultOption vault;
    @Mixin JsonOption json;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "URL", description = "The request URL (https:// or http://).") String url;

    @Option(names = "--method", paramLabel = "M", defaultValue = "GET", description = "HTTP method (default GET).") String method;

    @ArgGroup(exclusive = true) @org.jspecify.annotations.Nullable Who who;

    /** Whose service subset applies (default: the caller's). */
    static final class Who {
        @Option(names = "--token", paramLabel = "T", description = "Explain for this proxy token (its service subset).") String token;
        @Option(names = "--agent", paramLabel = "A", description = "Explain for this agent (its service subset; needs admin).") String agent;
    }

    @Override
    public void run() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", url);
        body.put("method", method);
        if (who != null && who.token != null) {
            body.put("token", who.token);
        }
        if (who != null && who.agent != null) {
            body.put("agent", who.agent);
        }
        JsonNode e = client.client().post("/v1/vaults/" + Paths.seg(vault.name()) + "/explain", body);
        var out = spec.commandLine().getOut();
        if (json.enabled()) {
            Output.json(out, e);
            return;
        }
        JsonNode r = e.path("request");
        out.println(r.path("method").asString() + " " + url + "  (vault " + e.path("vault").asString() + ", as "
                + e.path("actor").asString() + (e.path("services_allowed").isArray()
                        ? ", limited to services " + e.path("services_allowed") : "") + ")");
        if (!e.path("connect").isNull() && !e.path("connect").isMissingNode()) {
            out.println("CONNECT: " + e.path("connect").asString());
        }
        JsonNode candidates = e.path("candidates");
        if (candidates.isEmpty()) {
            out.println("Candidates: none (no service covers " + r.path("host").asString() + ":" + r.path("port").asInt()
                    + "; unmatched hosts: " + e.path("unmatched_policy").asString() + ")");
        } else {
            out.println("Candidates, in priority order:");
            int i = 1;
            for (JsonNode c : candidates) {
                out.println("  " + (i++) + ". " + c.path("service").asString() + "  " + c.path("host").asString() + "  "
                        + c.path("outcome").asString() + (c.path("enabled").asBoolean() ? "" : "  (disabled)"));
            }
            out.println("Decided by: " + e.path("rule").asString());
        }
        if (e.path("candidates_not_granted").size() > 0) {
            out.println("Not granted (ignored): " + e.path("candidates_not_granted"));
        }
        String decision = e.path("decision").asString();
        switch (decision) {
            case "inject" -> {
                JsonNode inj = e.path("injection");
                out.println("Decision: INJECT via service '" + e.path("service").asString() + "' (" + inj.path("kind").asString()
                        + ", credentials " + inj.path("credentials") + ")");
                if (inj.path("missing_credentials").size() > 0) {
                    out.println("  but: " + inj.path("note").asString());
                }
            }
            case "deny" -> out.println("Decision: DENY " + e.path("status").asInt() + " " + e.path("error_type").asString()
                    + ": " + e.path("detail").asString());
            default -> out.println("Decision: " + decision.toUpperCase(java.util.Locale.ROOT) + ": " + e.path("reason").asString());
        }
        out.flush();
    }
}
