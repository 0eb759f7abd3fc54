package dev.keyway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway discover}: what this token may use (services, placeholders, credential names). */
@Command(name = "discover", mixinStandardHelpOptions = true,
        description = {"Show what the current token may use: vault, services (host, methods, paths),",
            "the env vars and placeholder values to give SDKs, credential names, and how to ask for more."})
final class DiscoverCommand implements Runnable {
    @Mixin ClientOptions client;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin JsonOption json;

    @Override
    public void run() {
        JsonNode d = client.client().get("/discover");
        var out = spec.commandLine().getOut();
        if (json.enabled()) {
            Output.json(out, d);
            return;
        }
        out.println("Vault " + d.path("vault").asString() + " (role " + d.path("role").asString() + ", as " + d.path("actor").asString()
                + "); proxy " + d.path("proxy").asString() + "; unmatched hosts: " + d.path("unmatched").asString());
        for (JsonNode s : d.path("services")) {
            out.println("  " + s.path("name").asString() + "  " + s.path("host").asString() + "  " + s.path("methods") + " "
                    + s.path("paths") + "  inject=" + s.path("inject").asString() + (s.path("enabled").asBoolean() ? "" : "  (disabled)"));
            for (JsonNode e : s.path("env")) {
                out.println("      " + e.path("name").asString() + "=" + e.path("value").asString());
            }
        }
        out.println("To ask for more: keyway proposal create (see " + d.path("propose").path("skill").asString() + ")");
        out.flush();
    }
}
