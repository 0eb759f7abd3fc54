package dev.keyway.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.keyway.store.StoreException;
import dev.keyway.store.jdbc.JdbcStore;
import dev.keyway.store.jdbc.SqlWork;
import dev.keyway.store.migrate.Dialect;
import dev.keyway.store.migrate.Migrator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared store of a Keyway cluster: every node opens the same PostgreSQL database.
 *
 * <p>Design:
 * <ul>
 *   <li><b>Pool.</b> HikariCP, a few connections per node (the proxy path reads only the in-memory
 *       snapshot; the pool serves the control plane and snapshot rebuilds). A short connection
 *       timeout makes a database outage an error within seconds instead of a hang.</li>
 *   <li><b>Writers serialised.</b> Every write transaction starts with
 *       {@code SELECT ... FOR UPDATE} on the single {@code revision} row, so read-then-write steps
 *       (credential version numbers, service positions, "create if absent") behave on READ
 *       COMMITTED exactly as on SQLite's single writer, across all nodes. Writes are rare
 *       (control plane); reads never take the lock.</li>
 *   <li><b>Migrations once.</b> {@link #migrate} holds {@code pg_advisory_lock(}{@value #MIGRATION_LOCK}{@code )}
 *       on a dedicated connection, so nodes starting together apply each step once; the others
 *       wait, then find the schema current.</li>
 *   <li><b>Change announcements.</b> Each change-log row is announced with
 *       {@code pg_notify('}{@value #CHANNEL}{@code ', id)} in the writing transaction (PostgreSQL
 *       delivers it on commit only). Listeners need a session-mode connection of their own:
 *       {@link #openSessionConnection()}.</li>
 * </ul>
 */
public final class PostgresStore extends JdbcStore {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

    /** Advisory lock key held while migrating ("Keyway" in ASCII). */
    public static final long MIGRATION_LOCK = 0x4b6579776179L;

    /** The NOTIFY channel carrying new change-log ids. */
    public static final String CHANNEL = "keyway_changes";

    /** Default pool size per node. */
    public static final int DEFAULT_POOL_SIZE = 8;

    private final PostgresUrl url;
    private final HikariDataSource pool;

    private PostgresStore(PostgresUrl url, HikariDataSource pool, Clock clock) {
        super(clock);
        this.url = url;
        this.pool = pool;
    }

    /** Opens a pool on {@code url}, migrates the schema (under the advisory lock) and returns the store. */
    public static PostgresStore open(PostgresUrl url, Clock clock) {
        return open(url, clock, DEFAULT_POOL_SIZE);
    }

    /** As {@link #open(PostgresUrl, Clock)} with the pool size given. */
    public static PostgresStore open(PostgresUrl url, Clock clock, int poolSize) {
        migrate(url);
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName("keyway-pg");
        cfg.setJdbcUrl(url.jdbcUrl());
        Properties creds = url.credentials();
        if (creds.getProperty("user") != null) {
            cfg.setUsername(creds.getProperty("user"));
        }
        if (creds.getProperty("password") != null) {
            cfg.setPassword(creds.getProperty("password"));
        }
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(Math.min(2, poolSize));
        cfg.setConnectionTimeout(2_000);
        cfg.setValidationTimeout(1_000);
        cfg.setInitializationFailTimeout(-1); // migrate() above already proved the database reachable
        cfg.setAutoCommit(true);
        // audit shipping inserts batches of up to 500 rows: sent as multi-row INSERTs instead of one
        // statement per row (a parameter in the URL still wins: pgjdbc lets URL parameters override these)
        cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
        try {
            return new PostgresStore(url, new HikariDataSource(cfg), clock);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open PostgreSQL database " + url.redacted() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Applies pending migrations under {@code pg_advisory_lock}; concurrent callers (nodes starting
     * together) apply each step exactly once between them.
     */
    public static Migrator.Result migrate(PostgresUrl url) {
        try (Connection c = connect(url)) {
            exec(c, "SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
            try {
                return new Migrator(Dialect.POSTGRESQL).migrate(c);
            } finally {
                exec(c, "SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new StoreException("cannot migrate PostgreSQL database " + url.redacted() + " (SQLState "
                    + e.getSQLState() + "): " + e.getMessage(), e);
        }
    }

    /** A plain (unpooled) connection to {@code url}, e.g. for migrations or {@code LISTEN}. */
    public static Connection connect(PostgresUrl url) throws SQLException {
        Properties p = url.credentials();
        p.setProperty("connectTimeout", p.getProperty("connectTimeout", "5"));
        p.setProperty("ApplicationName", "keyway");
        return DriverManager.getConnection(url.jdbcUrl(), p);
    }

    /**
     * A dedicated session connection outside the pool, for {@code LISTEN} (a pooled connection may
     * be handed to someone else; a transaction-mode pooler would drop the registration). The caller
     * closes it.
     */
    public Connection openSessionConnection() throws SQLException {
        return connect(url);
    }

    /** The database this store uses (password redacted by {@link PostgresUrl#toString()}). */
    public PostgresUrl url() {
        return url;
    }

    @Override
    protected <T> T withConnection(SqlWork<T> work) throws SQLException {
        if (pool.isClosed()) {
            throw new StoreException("store is closed");
        }
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        }
    }

    @Override
    protected void begin(Connection c) throws SQLException {
        c.setAutoCommit(false);
        exec(c, "SELECT value FROM revision WHERE id = 1 FOR UPDATE");
    }

    @Override
    protected void changed(Connection c, long revision) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, CHANNEL);
            ps.setString(2, Long.toString(revision));
            ps.execute();
        }
    }

    @Override
    protected boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Closes the pool. Idempotent. */
    @Override
    public void close() {
        if (!pool.isClosed()) {
            pool.close();
            LOG.debug("closed the PostgreSQL pool");
        }
    }
}
