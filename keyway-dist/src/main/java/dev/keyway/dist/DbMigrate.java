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
import org.jspecify.annotations.Nullable;

/** Runs {@code keyway db migrate} (see {@link DbCommand.Migrate}): validates the options, holds the data dir's lock, copies. */
final class DbMigrate {
    private final @Nullable Path from;
    private final String to;
    private final boolean dryRun;
    private final PrintWriter out;

    DbMigrate(@Nullable Path from, String to, boolean dryRun, PrintWriter out) {
        this.from = from;
        this.to = to;
        this.dryRun = dryRun;
        this.out = out;
    }

    void run() {
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
            throw new CliException(ExitCodes.FAILURE, java.util.Objects.requireNonNullElse(e.getMessage(), "the copy failed"));
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
