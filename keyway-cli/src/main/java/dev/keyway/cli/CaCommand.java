package dev.keyway.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keyway ca export}: the CA certificate clients must trust for intercepted hosts. */
@Command(name = "ca", mixinStandardHelpOptions = true, description = "The Keyway CA certificate.",
        subcommands = {CaCommand.Export.class})
final class CaCommand {
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the CA certificate (PEM) to stdout or a file. It is public; the key never leaves the server.")
    static final class Export implements Runnable {
        @Mixin ClientOptions client;
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.") Path output;

        @Override
        public void run() {
            String pem = client.client().getText("/v1/ca.pem");
            if (output == null) {
                spec.commandLine().getOut().print(pem);
                spec.commandLine().getOut().flush();
                return;
            }
            try {
                Files.writeString(output, pem, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILURE, "cannot write " + output + ": " + e.getMessage());
            }
            spec.commandLine().getErr().println("Wrote the Keyway CA certificate to " + output);
        }
    }
}
