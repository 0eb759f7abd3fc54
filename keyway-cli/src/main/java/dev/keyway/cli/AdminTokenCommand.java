package dev.keyway.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway admin-token rotate|disable}: the break-glass local admin credential. */
@Command(name = "admin-token", mixinStandardHelpOptions = true,
        description = {"The local admin token: a break-glass credential in <data dir>/admin-token (0600), audited as local-admin.",
            "Re-enable a disabled one by restarting the server with --reset-admin-token."},
        subcommands = {AdminTokenCommand.Rotate.class, AdminTokenCommand.Disable.class})
final class AdminTokenCommand {
    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Revoke the admin token and write a new one to the data dir (the server writes the file).")
    static final class Rotate implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            JsonNode r = client.client().post("/v1/admin/admin-token/rotate", Map.of());
            spec.commandLine().getOut().println("Rotated the admin token; the new one is in " + r.path("file").asString());
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Revoke the admin token and delete its file. Log in as the owner first: you will need a session.")
    static final class Disable implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            client.client().post("/v1/admin/admin-token/disable", Map.of());
            spec.commandLine().getOut().println("Disabled the admin token. Restart the server with --reset-admin-token to re-enable it.");
        }
    }
}
