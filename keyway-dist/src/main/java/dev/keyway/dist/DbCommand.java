package dev.keyway.dist;

import dev.keyway.cli.CliException;
import dev.keyway.cli.ClientOptions;
import dev.keyway.cli.ExitCodes;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.local.DataDir;
import dev.keyway.server.DataDirLock;
import dev.keyway.store.StoreException;
import dev.keyway.store.postgres.PostgresUrl;
import dev.keyway.store.postgres.SqliteToPostgres;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyway db}: database maintenance that runs with the server stopped. Lives in the server
 * distribution (it opens the database directly, like {@code keyway server}).
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
            PrintWriter out = spec.commandLine().getOut();
            Path dirPath = ClientOptions.resolveDataDir(from);
            DataDir dir = new DataDir(dirPath);
            if (!Files.isRegularFile(dir.database())) {
                throw new CliException(ExitCodes.NOT_FOUND, "no Keyway database at " + dir.database());
            }
            PostgresUrl url;
            try {
                url = PostgresUrl.parse(to.strip());
            } catch (KeywayException e) {
                throw new CliException(ExitCodes.USAGE, "--to: " + e.detail());
            }
            SqliteToPostgres.Report report;
            try (DataDirLock lock = DataDirLock.acquire(dir)) {
                report = SqliteToPostgres.run(dir.database(), url, dryRun);
            } catch (DataDirLock.InUseException e) {
                throw new CliException(ExitCodes.CONFLICT, "a Keyway server is using " + dirPath + "; stop it first (" + e.getMessage() + ")");
            } catch (StoreException e) {
                throw new CliException(ExitCodes.FAILURE, e.getMessage());
            }
            out.println((dryRun ? "Would copy" : "Copied") + " from " + dir.database() + " to " + url.redacted() + ":");
            for (Map.Entry<String, Long> e : report.counts().entrySet()) {
                out.printf("  %-16s %8d%s%n", e.getKey(), e.getValue(), dryRun ? "" : "  verified");
            }
            if (!dryRun) {
                out.println("Start each node with: keyway server --database-url URL --node-name NAME, and the same master key"
                        + (Files.exists(dir.masterKeyFile()) ? " (copy " + dir.masterKeyFile() + " into each node's data dir)"
                                : " (the same KEYWAY_MASTER_PASSWORD or --master-password-file)") + ".");
            }
            out.flush();
        }
    }
}
