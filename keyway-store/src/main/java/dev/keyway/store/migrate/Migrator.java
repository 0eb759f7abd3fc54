package dev.keyway.store.migrate;

import dev.keyway.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database schema up to the version this build of Keyway knows, or refuses to run.
 *
 * <p>Why our own (about a hundred lines) instead of Flyway: we need exactly numbered scripts,
 * checksums and one transaction per step, for two dialects, without another 1 MB dependency.
 *
 * <p>Layout: a dialect directory on the classpath (e.g. {@code db/sqlite}) holds
 * {@code V1__init.sql}, {@code V2__add_x.sql}, ... plus an index {@value #INDEX} listing those
 * file names one per line ({@code #} comments allowed). The index exists because classpath
 * directories cannot be listed portably (inside a shaded jar); a test checks it is complete.
 *
 * <p>On {@link #migrate(Connection)}:
 * <ol>
 *   <li>{@code schema_history(version, description, checksum_sha256, applied_at)} is created if
 *       missing;</li>
 *   <li>a database whose highest applied version is newer than the highest known one is refused
 *       (an old Keyway must not write to a newer schema);</li>
 *   <li>every applied version's checksum must match its script (someone edited a released
 *       migration: refuse rather than guess);</li>
 *   <li>pending scripts run in order, each with its history row in one transaction. Inside the
 *       transaction the history is checked again, so two processes migrating at once do not
 *       apply a step twice (SQLite's {@code BEGIN IMMEDIATE} serialises them; PostgreSQL callers
 *       should hold an advisory lock).</li>
 * </ol>
 * The connection's auto-commit flag is restored afterwards.
 */
public final class Migrator {
    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);

    /** Name of the index file in a migration directory. */
    public static final String INDEX = "migrations.txt";

    /** Classpath directory of the one numbered list of migrations every {@link Dialect} applies. */
    public static final String COMMON = "db/sqlite";

    private static final Pattern FILE = Pattern.compile("V([1-9][0-9]*)__([A-Za-z0-9_]+)\\.sql");

    private static final String CREATE_HISTORY = """
            CREATE TABLE IF NOT EXISTS schema_history (
                version         INTEGER PRIMARY KEY,
                description     TEXT NOT NULL,
                checksum_sha256 TEXT NOT NULL,
                applied_at      BIGINT NOT NULL
            )""";

    private final String location;
    private final List<Migration> migrations;
    private final Clock clock;

    /** Loads the migrations under {@code location} (e.g. {@code db/sqlite}) from this class's loader. */
    public Migrator(String location) {
        this(location, Migrator.class.getClassLoader(), Integer.MAX_VALUE, Clock.systemUTC());
    }

    /** The common list ({@value #COMMON}) as {@code dialect} runs it (see {@link Dialect}). */
    public Migrator(Dialect dialect) {
        this(COMMON, dialect, Migrator.class.getClassLoader(), Integer.MAX_VALUE, Clock.systemUTC());
    }

    /**
     * Test seam: only the first {@code maxVersion} scripts are known, which simulates an older
     * Keyway release.
     */
    Migrator(String location, ClassLoader loader, int maxVersion, Clock clock) {
        this(location, Dialect.SQLITE, loader, maxVersion, clock);
    }

    /** Test seam as above, for a dialect. */
    Migrator(String location, Dialect dialect, ClassLoader loader, int maxVersion, Clock clock) {
        this.location = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
        this.migrations = load(this.location, dialect, loader).stream().filter(m -> m.version() <= maxVersion).toList();
        this.clock = clock;
    }

    /** The known migrations, in version order (1..N). */
    public List<Migration> migrations() {
        return migrations;
    }

    /** Highest version this build knows (0 if none). */
    public int latestVersion() {
        return migrations.isEmpty() ? 0 : migrations.getLast().version();
    }

    /** Outcome of {@link #migrate}: schema version before and after, and what was applied now. */
    public record Result(int fromVersion, int toVersion, List<Integer> applied) {}

    /**
     * Verifies and upgrades the schema (see class doc).
     *
     * @throws StoreException on a newer schema, a checksum mismatch, or a failing script
     */
    public Result migrate(Connection c) {
        boolean autoCommit = true;
        try {
            autoCommit = c.getAutoCommit();
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                st.execute(CREATE_HISTORY);
            }
            TreeMap<Integer, String> applied = applied(c);
            int from = applied.isEmpty() ? 0 : applied.lastKey();
            if (from > latestVersion()) {
                throw new StoreException("database schema version " + from + " is newer than this Keyway (max "
                        + latestVersion() + "); upgrade Keyway");
            }
            for (Migration m : migrations) {
                String checksum = applied.get(m.version());
                if (checksum != null) {
                    verify(m, checksum);
                }
            }
            List<Integer> done = new ArrayList<>();
            for (Migration m : migrations) {
                if (!applied.containsKey(m.version()) && applyOne(c, m)) {
                    done.add(m.version());
                }
            }
            return new Result(from, Math.max(from, latestVersion()), List.copyOf(done));
        } catch (SQLException e) {
            throw new StoreException("schema migration failed (" + location + "): " + e.getMessage(), e);
        } finally {
            try {
                c.setAutoCommit(autoCommit);
            } catch (SQLException e) {
                LOG.warn("could not restore auto-commit after migration", e);
            }
        }
    }

    private void verify(Migration m, String appliedChecksum) {
        if (!appliedChecksum.equalsIgnoreCase(m.checksum())) {
            throw new StoreException("schema migration V" + m.version() + " (" + m.description()
                    + ") was changed after it was applied: checksum in schema_history is " + appliedChecksum
                    + " but " + m.resource() + " has " + m.checksum()
                    + "; restore the original script (released migrations must never be edited)");
        }
    }

    /** Runs one script in its own transaction; false if another process applied it meanwhile. */
    private boolean applyOne(Connection c, Migration m) throws SQLException {
        c.setAutoCommit(false);
        try {
            @Nullable String existing = appliedChecksum(c, m.version());
            if (existing != null) {
                c.rollback();
                verify(m, existing);
                return false;
            }
            try (Statement st = c.createStatement()) {
                for (String sql : m.statements()) {
                    st.execute(sql);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO schema_history (version, description, checksum_sha256, applied_at) VALUES (?, ?, ?, ?)")) {
                ps.setInt(1, m.version());
                ps.setString(2, m.description());
                ps.setString(3, m.checksum());
                ps.setLong(4, clock.millis());
                ps.executeUpdate();
            }
            c.commit();
            LOG.info("applied schema migration V{} ({})", m.version(), m.description());
            return true;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            if (e instanceof SQLException se) {
                throw new StoreException("schema migration V" + m.version() + " (" + m.description()
                        + ") failed: " + se.getMessage(), se);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static TreeMap<Integer, String> applied(Connection c) throws SQLException {
        TreeMap<Integer, String> out = new TreeMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT version, checksum_sha256 FROM schema_history ORDER BY version")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2));
            }
        }
        return out;
    }

    private static @Nullable String appliedChecksum(Connection c, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT checksum_sha256 FROM schema_history WHERE version = ?")) {
            ps.setInt(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.warn("rollback after failed migration failed", e);
        }
    }

    static List<Migration> load(String location, ClassLoader loader) {
        return load(location, Dialect.SQLITE, loader);
    }

    static List<Migration> load(String location, Dialect dialect, ClassLoader loader) {
        String index = read(loader, location + "/" + INDEX);
        if (index == null) {
            throw new IllegalStateException("no migration index " + location + "/" + INDEX + " on the classpath");
        }
        List<Migration> out = new ArrayList<>();
        for (String raw : index.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher mt = FILE.matcher(line);
            if (!mt.matches()) {
                throw new IllegalStateException("bad migration file name in " + location + "/" + INDEX + ": " + line
                        + " (expected V<n>__<description>.sql)");
            }
            int version = Integer.parseInt(mt.group(1));
            if (version != out.size() + 1) {
                throw new IllegalStateException("migrations in " + location + " must be numbered 1, 2, 3, ... in order; "
                        + "found V" + version + " where V" + (out.size() + 1) + " was expected");
            }
            String resource = location + "/" + line;
            String override = dialect.overrides() + "/" + line;
            String sql = override.equals(resource) ? null : read(loader, override);
            if (sql != null) {
                resource = override;
            } else {
                sql = read(loader, resource);
                if (sql == null) {
                    throw new IllegalStateException("migration " + resource + " is listed in " + INDEX + " but missing");
                }
                sql = dialect.adapt(sql);
            }
            out.add(new Migration(version, mt.group(2).replace('_', ' '), resource, sql));
        }
        return List.copyOf(out);
    }

    private static @Nullable String read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}
