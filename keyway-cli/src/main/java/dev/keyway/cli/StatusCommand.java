package dev.keyway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway status}: is the server up, and what is it serving. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the server's status.")
final class StatusCommand implements Runnable {
    @Mixin ClientOptions client;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin JsonOption json;

    @Override
    public void run() {
        JsonNode s = client.client().get("/v1/status");
        if (json.enabled()) {
            Output.json(spec.commandLine().getOut(), s);
            return;
        }
        var out = spec.commandLine().getOut();
        s.properties().forEach(e -> out.println(String.format("%-22s %s", e.getKey() + ":",
                e.getValue().isValueNode() ? e.getValue().asString() : e.getValue().toString())));
        out.flush();
    }
}
