package dev.keyway.store.sqlite;

import dev.keyway.store.StoreException;
import dev.keyway.store.internal.PrivateFiles;
import dev.keyway.store.jdbc.JdbcStore;
import dev.keyway.store.jdbc.SqlWork;
import dev.keyway.store.migrate.Migrator;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The embedded store: one SQLite file that can be copied, inspected with {@code sqlite3} and
 * backed up.
 *
 * <p>Design:
 * <ul>
 *   <li><b>Private file.</b> The database file is created {@code 0600} before SQLite opens it (an
 *       existing broader file is tightened with a warning); SQLite gives its {@code -wal} and
 *       {@code -shm} files the database file's mode, and they are tightened after open anyway.</li>
 *   <li><b>Durable.</b> {@code journal_mode=WAL} with {@code synchronous=FULL}: once a write method
 *       returns, the change survives {@code kill -9} and power loss.</li>
 *   <li><b>One connection, one lock.</b> All work runs on a single connection guarded by a
 *       {@link ReentrantLock} (not {@code synchronized}, and short enough that virtual threads
 *       waiting on it are cheap). SQLite allows one writer anyway, and reads take microseconds.
 *       Write transactions start with {@code BEGIN IMMEDIATE}, and {@code busy_timeout=5000}
 *       makes another process's concurrent writer wait instead of failing at once.</li>
 *   <li><b>Schema.</b> {@link Migrator} with the scripts in {@code db/sqlite} runs on open.</li>
 * </ul>
 */
public final class SqliteStore extends JdbcStore {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

    /** Classpath directory of the SQLite migration scripts. */
    public static final String MIGRATIONS = "db/sqlite";

    private final ReentrantLock lock = new ReentrantLock();
    private final Connection conn;
    private final Path file;
    private boolean closed; // guarded by lock

    private SqliteStore(Connection conn, Path file, Clock clock) {
        super(clock);
        this.conn = conn;
        this.file = file;
    }

    /** Opens (creating if needed) the database at {@code dbFile} and migrates it to the current schema. */
    public static SqliteStore open(Path dbFile) {
        return open(dbFile, Clock.systemUTC());
    }

    /** As {@link #open(Path)}, with the clock used for created/updated timestamps. */
    public static SqliteStore open(Path dbFile, Clock clock) {
        Path file = dbFile.toAbsolutePath().normalize();
        if (file.toString().contains("?")) {
            throw new IllegalArgumentException("database path must not contain '?': " + file);
        }
        try {
            PrivateFiles.createOrTighten(file);
        } catch (IOException e) {
            throw new StoreException("cannot create database file " + file + ": " + e.getMessage(), e);
        }
        Connection c;
        try {
            c = config().createConnection("jdbc:sqlite:" + file);
        } catch (SQLException e) {
            throw new StoreException("cannot open database " + file + ": " + e.getMessage(), e);
        }
        try {
            String mode = pragma(c, "journal_mode");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new StoreException("database " + file + " could not be switched to WAL mode (journal_mode="
                        + mode + "); is it on a network file system?");
            }
            new Migrator(MIGRATIONS).migrate(c);
            tightenSidecars(file);
            return new SqliteStore(c, file, clock);
        } catch (SQLException | IOException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException ce) {
                e.addSuppressed(ce);
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new StoreException("cannot open database " + file + ": " + e.getMessage(), e);
        }
    }

    private static SQLiteConfig config() {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.enforceForeignKeys(true);
        cfg.setBusyTimeout(5000);
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE); // for the migrator
        return cfg;
    }

    private static void tightenSidecars(Path file) throws IOException {
        PrivateFiles.tightenIfExists(file.resolveSibling(file.getFileName() + "-wal"));
        PrivateFiles.tightenIfExists(file.resolveSibling(file.getFileName() + "-shm"));
    }

    /** Value of a {@code PRAGMA} (e.g. {@code journal_mode}); for diagnostics and tests. */
    public String pragma(String name) {
        return read("pragma", c -> pragma(c, name));
    }

    private static String pragma(Connection c, String name) throws SQLException {
        if (!name.matches("[a-z_]+")) {
            throw new IllegalArgumentException("bad pragma name: " + name);
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            return rs.next() ? String.valueOf(rs.getString(1)) : "";
        }
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    @Override
    protected <T> T withConnection(SqlWork<T> work) throws SQLException {
        lock.lock();
        try {
            if (closed) {
                throw new StoreException("store is closed");
            }
            return work.run(conn);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code BEGIN IMMEDIATE} as a statement rather than the driver's auto-commit switch: the
     * driver's {@code commit()} immediately begins the next transaction, which can fail with
     * {@code SQLITE_BUSY} after the data was already committed and so report a false failure.
     */
    @Override
    protected void begin(Connection c) throws SQLException {
        exec(c, "BEGIN IMMEDIATE");
    }

    @Override
    protected void commit(Connection c) throws SQLException {
        exec(c, "COMMIT");
    }

    @Override
    protected void rollback(Connection c) throws SQLException {
        exec(c, "ROLLBACK");
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Override
    protected boolean isUniqueViolation(SQLException e) {
        if (e instanceof SQLiteException se) {
            SQLiteErrorCode code = se.getResultCode();
            return code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                    || code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY;
        }
        return false;
    }

    @Override
    protected String describe(SQLException e) {
        if (e instanceof SQLiteException se) {
            return se.getResultCode().name();
        }
        return super.describe(e);
    }

    /** Closes the connection; SQLite checkpoints the WAL into the main file. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            conn.close();
        } catch (SQLException e) {
            LOG.warn("closing {} failed", file, e);
        } finally {
            lock.unlock();
        }
    }
}
