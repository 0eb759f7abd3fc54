package dev.keyway.dist;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Entry point of {@code keyway.jar}: keyway-cli's command tree with {@code server} first, as
 * {@code keyway --help} has always listed it. Everything else (exit codes, error handling, help
 * examples) is keyway-cli's {@link dev.keyway.cli.Main#commandLine}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the full CLI with the given streams (used by tests); returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        // only the command the arguments name is built (picocli's model of all of them costs most of a call)
        return dev.keyway.cli.Main.commandLine(out, err, serverSideCommands(), args).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return dev.keyway.cli.Main.commandLine(out, err, serverSideCommands());
    }

    /** The commands that need the server's modules (keyway-cli cannot hold them); one list for both entry points. */
    private static List<Object> serverSideCommands() {
        return List.of(new ServerCommand(), new DbCommand());
    }
}
