package dev.keyway.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway user add|list|disable|enable}: human users (owner only). */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage users (instance owner only).",
        subcommands = {UserCommand.Add.class, UserCommand.List_.class, UserCommand.Disable.class, UserCommand.Enable.class})
final class UserCommand {
    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user; grant vault roles with 'keyway vault member add'.")
    static final class Add implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "EMAIL") String email;
        @Option(names = "--role", defaultValue = "member", description = "member (default) or owner") String role;
        @Option(names = "--password-stdin", description = "Read the initial password from stdin.") boolean stdin;

        @Override
        public void run() {
            char[] pw = Passwords.read(stdin, "Initial password for " + email + ": ", !stdin);
            try {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("email", email);
                body.put("password", new String(pw));
                body.put("role", role);
                JsonNode u = client.client().post("/v1/users", body);
                spec.commandLine().getOut().println("Added user " + u.path("email").asString() + " (" + u.path("role").asString() + ")");
            } finally {
                Arrays.fill(pw, '\0');
            }
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List users.")
    static final class List_ implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            JsonNode r = client.client().get("/v1/users");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), r.get("users"));
            } else {
                Output.table(spec.commandLine().getOut(), r.get("users"), "email", "role", "created_at", "disabled");
            }
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = {"Disable a user: they can no longer sign in, and every session and token they hold or minted "
                    + "is revoked at once (open proxy connections included).",
                    "The last enabled owner cannot be disabled. Undo with 'keyway user enable'."})
    static final class Disable extends Toggle {
        Disable() {
            super("disable");
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = "Enable a disabled user so they can sign in again (tokens revoked when they were disabled stay revoked).")
    static final class Enable extends Toggle {
        Enable() {
            super("enable");
        }
    }

    /** The shared body of {@code disable} and {@code enable} (picocli reads the inherited options). */
    abstract static class Toggle implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "EMAIL", description = "The user's e-mail address.") String email;
        @Mixin JsonOption json;
        private final String verb;

        Toggle(String verb) {
            this.verb = verb;
        }

        @Override
        public void run() {
            JsonNode u = client.client().post("/v1/users/" + Paths.seg(email.strip()) + "/" + verb, Map.of());
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), u);
            } else {
                spec.commandLine().getOut().println(u.path("email").asString() + " is "
                        + (u.path("disabled").asBoolean() ? "disabled; their sessions and tokens are revoked" : "enabled"));
            }
        }
    }
}
