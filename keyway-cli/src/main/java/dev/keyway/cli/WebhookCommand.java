package dev.keyway.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway webhook ...}: where Keyway announces new proposals (instance owner only). */
@Command(name = "webhook", mixinStandardHelpOptions = true,
        description = {"Webhooks told about each new proposal, as generic JSON or a Slack message (instance owner only).",
            "Deliveries are retried with backoff; 'list' shows consecutive failures and the last error."},
        subcommands = {WebhookCommand.Add.class, WebhookCommand.List_.class, WebhookCommand.Remove.class, WebhookCommand.Test.class})
final class WebhookCommand {
    private WebhookCommand() {}

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a webhook. Its full URL is never shown again.")
    static final class Add implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "URL", description = "http:// or https:// URL (e.g. a Slack incoming-webhook URL).") String url;
        @Option(names = "--format", defaultValue = "json", paramLabel = "FORMAT", description = "json or slack (default: ${DEFAULT-VALUE}).") String format;

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("url", url);
            body.put("format", format);
            JsonNode w = client.client().post("/v1/webhooks", body);
            spec.commandLine().getOut().println("Added webhook " + w.get("id").asString() + " (" + w.get("format").asString() + ") "
                    + w.get("url").asString() + "; try it with: keyway webhook test " + w.get("id").asString());
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List webhooks with their delivery health.")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode list = client.client().get("/v1/webhooks").get("webhooks");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), list);
            } else {
                Output.table(spec.commandLine().getOut(), list, "id", "url", "format", "failures", "last_error", "last_attempt_at");
            }
        }
    }

    @Command(name = "remove", aliases = {"rm", "delete"}, mixinStandardHelpOptions = true, description = "Remove a webhook.")
    static final class Remove implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public void run() {
            client.client().delete("/v1/webhooks/" + Paths.seg(id));
            spec.commandLine().getOut().println("Removed webhook " + id);
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true, description = "Send a test message now (once, no retries).")
    static final class Test implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public void run() {
            JsonNode r = client.client().post("/v1/webhooks/" + Paths.seg(id) + "/test", Map.of());
            if (!r.get("delivered").asBoolean()) {
                throw new CliException(ExitCodes.FAILURE, "delivery to webhook " + id + " failed: " + r.get("error").asString());
            }
            spec.commandLine().getOut().println("Delivered a test message to webhook " + id + " (HTTP " + r.get("status").asInt() + ")");
        }
    }
}
