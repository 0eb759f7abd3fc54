package dev.keyway.store.jdbc;

import dev.keyway.store.StoreException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transaction plumbing under {@link JdbcStore}: how a store method gets a connection, runs in a
 * transaction, and joins an enclosing one. Kept apart from the table logic so each stays readable.
 *
 * <p>Every write runs in a transaction. The transaction's connection is bound to the calling
 * thread while it is open, so store calls made inside it (by {@link JdbcStore#atomically} work, or
 * by a callback such as the encryption function) run on the same connection and join it instead of
 * beginning their own. Each joined write runs inside a {@code SAVEPOINT}: if it fails it undoes
 * only its own changes (the "each method is all or nothing" rule holds inside a bigger
 * transaction too, and on PostgreSQL the transaction stays usable). Only the outermost level
 * commits; an exception escaping it rolls everything back.
 */
public abstract class JdbcTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcTransactions.class);
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** The open transaction of the current thread on this store, if any. */
    private final ThreadLocal<@Nullable Tx> current = new ThreadLocal<>();

    /** An open transaction: its connection and how many savepoints are stacked on it. */
    private static final class Tx {
        final Connection conn;
        int savepoints;
        /** The innermost store operation running on this transaction (for the change log). */
        String op = "";

        Tx(Connection conn) {
            this.conn = conn;
        }
    }

    protected JdbcTransactions(Clock clock) {
        this.clock = clock;
    }

    /** Runs {@code work} on a connection in auto-commit mode, serialised as the subclass needs. */
    protected abstract <T> T withConnection(SqlWork<T> work) throws SQLException;

    /** True if {@code e} reports a duplicate primary or unique key. */
    protected abstract boolean isUniqueViolation(SQLException e);

    /**
     * Starts a write transaction. The default switches auto-commit off; a subclass may also take a
     * write lock here (PostgreSQL: {@code SELECT ... FOR UPDATE} on the {@code revision} row, which
     * serialises writers so read-then-write steps such as version numbering stay correct).
     */
    protected void begin(Connection c) throws SQLException {
        c.setAutoCommit(false);
    }

    /** Commits the transaction started by {@link #begin}. */
    protected void commit(Connection c) throws SQLException {
        c.commit();
        c.setAutoCommit(true);
    }

    /** Rolls back the transaction started by {@link #begin}. */
    protected void rollback(Connection c) throws SQLException {
        try {
            c.rollback();
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Short, data-free description of a database error for exception messages. */
    protected String describe(SQLException e) {
        return "SQLState " + e.getSQLState() + ", code " + e.getErrorCode();
    }

    /** Runs read-only {@code work}, on the current thread's open transaction if there is one. */
    protected final <T> T read(String op, SqlWork<T> work) {
        Tx tx = current.get();
        try {
            return tx != null ? work.run(tx.conn) : withConnection(work);
        } catch (SQLException e) {
            throw storeFailure(op, e);
        }
    }

    /**
     * Runs {@code work} in a transaction of its own, or, when the current thread already has one
     * open on this store, in a savepoint of that transaction (see class doc).
     */
    protected final <T> T write(String op, SqlWork<T> work) {
        Tx tx = current.get();
        try {
            if (tx == null) {
                return withConnection(c -> inTransaction(c, op, work));
            }
            String outer = tx.op;
            tx.op = op;
            try {
                return inSavepoint(tx, work);
            } finally {
                tx.op = outer;
            }
        } catch (SQLException e) {
            throw storeFailure(op, e);
        }
    }

    /** Name of the store operation running in the current thread's transaction ("" outside one). */
    protected final String currentOp() {
        Tx tx = current.get();
        return tx == null ? "" : tx.op;
    }

    private <T> T inTransaction(Connection c, String op, SqlWork<T> work) throws SQLException {
        begin(c);
        Tx tx = new Tx(c);
        tx.op = op;
        current.set(tx);
        try {
            T result = work.run(c);
            current.remove();
            commit(c);
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            current.remove();
            try {
                rollback(c);
            } catch (SQLException re) {
                e.addSuppressed(re);
            }
            throw e;
        }
    }

    private static <T> T inSavepoint(Tx tx, SqlWork<T> work) throws SQLException {
        String name = "kw_" + (++tx.savepoints);
        try {
            exec(tx.conn, "SAVEPOINT " + name);
            try {
                T result = work.run(tx.conn);
                exec(tx.conn, "RELEASE SAVEPOINT " + name);
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    exec(tx.conn, "ROLLBACK TO SAVEPOINT " + name);
                    exec(tx.conn, "RELEASE SAVEPOINT " + name);
                } catch (SQLException re) {
                    e.addSuppressed(re);
                }
                throw e;
            }
        } finally {
            tx.savepoints--;
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private StoreException storeFailure(String op, SQLException e) {
        LOG.debug("store operation {} failed", op, e);
        return new StoreException("store operation " + op + " failed (" + describe(e) + ")", e);
    }

    /** The store clock's current time, truncated to what the database keeps (milliseconds). */
    protected final Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    /** New id: {@code prefix} + 16 lowercase base32 characters (80 random bits). */
    protected final String newId(String prefix) {
        byte[] b = new byte[10];
        random.nextBytes(b);
        StringBuilder sb = new StringBuilder(prefix);
        long bits = 0;
        int n = 0;
        for (byte x : b) {
            bits = (bits << 8) | (x & 0xff);
            n += 8;
            while (n >= 5) {
                sb.append(BASE32.charAt((int) (bits >>> (n - 5)) & 31));
                n -= 5;
            }
        }
        return sb.toString();
    }
}
