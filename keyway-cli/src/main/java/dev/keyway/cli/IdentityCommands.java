package dev.keyway.cli;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code keyway setup|login|logout|whoami}: humans. */
final class IdentityCommands {
    private IdentityCommands() {}

    @Command(name = "setup", mixinStandardHelpOptions = true,
            description = {"Create the first owner (once). Runs on the server's machine: it uses the local admin token.",
                "Prompts for e-mail and password, or use --email and --password-stdin."})
    static final class Setup implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--email", paramLabel = "EMAIL") String email;
        @Option(names = "--password-stdin", description = "Read the password from stdin (one line).") boolean stdin;

        @Override
        public void run() {
            String e = email != null ? email : Passwords.prompt("E-mail");
            char[] pw = Passwords.read(stdin, "Password (12+ characters): ", !stdin);
            try {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("email", e);
                body.put("password", new String(pw));
                JsonNode u = client.client().post("/v1/setup", body);
                spec.commandLine().getOut().println("Created owner " + u.path("email").asString() + ". Next: keyway login");
            } finally {
                Arrays.fill(pw, '\0');
            }
        }
    }

    @Command(name = "login", mixinStandardHelpOptions = true,
            description = "Log in as a user; saves a session token in <data dir>/session.json (0600). Later commands use it.")
    static final class Login implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--email", paramLabel = "EMAIL") String email;
        @Option(names = "--password-stdin", description = "Read the password from stdin (one line).") boolean stdin;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "Session lifetime (default 12h, max 30d).") String ttl;

        @Override
        public void run() {
            String e = email != null ? email : Passwords.prompt("E-mail");
            char[] pw = Passwords.read(stdin, "Password: ", false);
            try {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("email", e);
                body.put("password", new String(pw));
                if (ttl != null) {
                    body.put("ttl", ttl);
                }
                JsonNode r = client.client().withToken(null).post("/v1/auth/login", body);
                Instant exp = r.hasNonNull("expires_at") ? Instant.parse(r.get("expires_at").asString()) : null;
                new Session(client.address(), r.get("token").asString(), r.path("user").path("email").asString(), exp)
                        .write(client.dataDir());
                spec.commandLine().getOut().println("Logged in as " + r.path("user").path("email").asString()
                        + (exp == null ? "" : " until " + exp) + ".");
            } finally {
                Arrays.fill(pw, '\0');
            }
        }
    }

    @Command(name = "logout", mixinStandardHelpOptions = true, description = "End the session and delete session.json.")
    static final class Logout implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            Session s = Session.read(client.dataDir());
            if (s == null) {
                spec.commandLine().getOut().println("Not logged in.");
                return;
            }
            try {
                if (s.live()) {
                    ApiClient.create(client.address(), client.dataDir()).withToken(s.token()).post("/v1/auth/logout", Map.of());
                }
            } catch (CliException e) {
                if (e.exitCode() == ExitCodes.UNREACHABLE) {
                    throw e;
                }
                // already invalid on the server: still remove the local file
            } finally {
                try {
                    java.nio.file.Files.deleteIfExists(Session.file(client.dataDir()));
                } catch (java.io.IOException ignored) {
                    // reported below if it matters
                }
            }
            spec.commandLine().getOut().println("Logged out " + s.email() + ".");
        }
    }

    @Command(name = "whoami", mixinStandardHelpOptions = true, description = "Show who the current token belongs to and what it may use.")
    static final class Whoami implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin JsonOption json;

        @Override
        public void run() {
            ApiClient api = client.client();
            JsonNode w = api.get("/v1/auth/whoami");
            if (json.enabled()) {
                Output.json(spec.commandLine().getOut(), w);
                return;
            }
            var out = spec.commandLine().getOut();
            out.println(w.path("actor").asString() + " (" + w.path("type").asString() + " token"
                    + (w.path("owner").asBoolean() ? ", instance owner" : "") + ", from " + api.tokenSource() + ")");
            for (JsonNode g : w.path("vaults")) {
                out.println("  vault " + g.path("vault").asString() + ": " + g.path("role").asString());
            }
            if (w.hasNonNull("services")) {
                out.println("  services: " + w.get("services"));
            }
            if (w.hasNonNull("expires_at")) {
                out.println("  expires: " + w.get("expires_at").asString());
            }
            out.flush();
        }
    }
}
