package dev.keyway.cli.run;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Starts the wrapped program and waits for it. The production launcher inherits the terminal
 * (stdin, stdout, stderr) and forwards signals; tests substitute one that captures output.
 */
@FunctionalInterface
public interface ChildLauncher {
    /**
     * Runs {@code command} with exactly {@code env} and returns its exit status: the program's own
     * code, or 128+N when it was killed by signal N (the shell convention).
     *
     * @throws IOException when the program cannot be started (not found, not executable)
     */
    int run(List<String> command, Map<String, String> env) throws IOException, InterruptedException;

    /** The real thing: inherited stdio, forwarded signals. */
    static ChildLauncher inheritIo() {
        return (command, env) -> {
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().clear();
            pb.environment().putAll(env);
            java.io.Console console = System.console();
            try (SignalForwarder f = SignalForwarder.install(console != null && console.isTerminal())) {
                Process p = pb.start();
                f.attach(p);
                return p.waitFor();
            }
        };
    }
}
