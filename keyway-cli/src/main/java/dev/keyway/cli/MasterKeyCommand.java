package dev.keyway.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.jspecify.annotations.Nullable;

/** {@code keyway master-key rotate}: re-wrap every vault key (and the CA key) under a new master key. */
@Command(name = "master-key", mixinStandardHelpOptions = true, description = "Manage the master key.",
        subcommands = {MasterKeyCommand.Rotate.class})
final class MasterKeyCommand {

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Rotate the master key on the running server. Credential ciphertexts are untouched;",
                "only the per-vault data keys and the CA key are re-wrapped, in one transaction.",
                "Without options a new random key file (master.key) replaces the current key or password."})
    static final class Rotate implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @ArgGroup(exclusive = true) @Nullable Source source;

        static final class Source {
            @Option(names = "--new-password-stdin", description = "Switch to (or change) a master password read from stdin.") boolean stdin;
            @Option(names = "--new-password-file", paramLabel = "FILE", description = "Read the new master password from FILE.") Path file;
        }

        @Override
        public void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (source != null) {
                String pw;
                try {
                    pw = source.stdin ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(source.file);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "cannot read the new password: " + e.getMessage());
                }
                pw = pw.strip();
                if (pw.length() < 12) {
                    throw new CliException(ExitCodes.CONFLICT, "the new master password must have at least 12 characters");
                }
                body.put("new_password", pw);
            }
            var r = client.client().post("/v1/admin/master-key/rotate", body);
            spec.commandLine().getOut().println("Master key rotated (mode: " + r.path("mode").asString() + ", "
                    + r.path("vaults").asInt() + " vault key(s) re-wrapped)."
                    + (source == null ? " Back up the new master.key file." : " Remember the new password: it is not stored."));
        }
    }
}
