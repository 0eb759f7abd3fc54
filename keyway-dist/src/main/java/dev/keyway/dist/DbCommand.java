package dev.keyway.dist;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyway db}: database maintenance that runs with the server stopped. Lives in the server
 * distribution (it opens the database directly, like {@code keyway server}). Only the options live
 * here (plain Java types, so building the command tree for a client command loads no server or
 * store class); {@link DbMigrate} does the work.
 */
@Command(name = "db", mixinStandardHelpOptions = true, description = "Database maintenance (run with the server stopped).",
        subcommands = DbCommand.Migrate.class)
final class DbCommand implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** {@code keyway db migrate --from DATA_DIR --to postgresql://...}: move a single node into a cluster database. */
    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = {"Copy a single-node Keyway (its SQLite database) into an EMPTY PostgreSQL database for a cluster.",
                "Stop the server first. Values stay encrypted under the same master key: start every node with it.",
                "Prints per-table row counts and verifies them after the copy, in one transaction (all or nothing)."})
    static final class Migrate implements Runnable {
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--from", paramLabel = "DATA_DIR", description = "Data directory of the stopped single node (default: KEYWAY_HOME or ~/.keyway).")
        Path from;

        @Option(names = "--to", paramLabel = "URL", required = true,
                description = "Target database: postgresql://USER:PASS@HOST:PORT/DB (must be empty).")
        String to;

        @Option(names = "--dry-run", description = "Count the rows and check the target is empty; copy nothing.")
        boolean dryRun;

        @Override
        public void run() {
            new DbMigrate(from, to, dryRun, spec.commandLine().getOut()).run();
        }
    }
}
