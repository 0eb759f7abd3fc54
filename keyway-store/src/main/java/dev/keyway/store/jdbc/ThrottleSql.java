package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.limit.TokenBucket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * SQL for the {@code login_throttle} table (V12): the sign-in throttle's token buckets, shared by
 * every node on the database. Like the limits' shared buckets ({@link LimitSql#lease}) a bucket is
 * only changed by a compare-and-set on both of its columns in auto-commit, so two nodes never grant
 * the same attempt twice and no lock is held across the read and the write.
 *
 * <p>Bounded: a bucket untouched for its rate's whole window ({@code expires}) has refilled
 * completely, which is what a missing row means too, so such rows are deleted (exactly, not
 * approximately) each time a new bucket is added. The table therefore holds only the buckets
 * touched within the last window.
 */
final class ThrottleSql {
    private ThrottleSql() {}

    /** Compare-and-set attempts before giving up; each failure means another node took an attempt meanwhile. */
    static final int CAS_ATTEMPTS = 20;

    /** Takes one attempt; returns 0 when granted, else milliseconds until one is available. */
    static long take(Connection c, String bucket, RateLimit rate, long now) throws SQLException {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Optional<TokenBucket.State> s = read(c, bucket);
            if (s.isEmpty()) {
                TokenBucket.Take t = TokenBucket.take(rate, TokenBucket.full(rate, now), now, 1);
                if (update(c, "INSERT INTO login_throttle (bucket, level, at, expires) VALUES (?, ?, ?, ?) "
                        + "ON CONFLICT (bucket) DO NOTHING", bucket, t.state().level(), t.state().atMillis(),
                        t.state().atMillis() + rate.perMillis()) == 1) {
                    prune(c, now);
                    return t.granted() == 1 ? 0 : Math.max(1, t.waitMillis());
                }
                continue; // another node added it first: take from its row
            }
            TokenBucket.Take t = TokenBucket.take(rate, s.get(), now, 1);
            if (t.granted() == 0) {
                return Math.max(1, t.waitMillis()); // refused: nothing to write (refilling is a function of time)
            }
            if (cas(c, bucket, rate, s.get(), t.state())) {
                return 0;
            }
        }
        // heavy contention on one bucket (many attempts at once from one address): refuse, never over-grant
        return Math.max(1, rate.perMillis() / rate.requests());
    }

    /** Gives one attempt back (a sign-in that succeeded); nothing when the bucket is gone (it is full then). */
    static void refund(Connection c, String bucket, RateLimit rate, long now) throws SQLException {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Optional<TokenBucket.State> s = read(c, bucket);
            if (s.isEmpty()) {
                return;
            }
            TokenBucket.State after = TokenBucket.giveBack(rate, TokenBucket.refill(rate, s.get(), now), 1);
            if (after.equals(s.get()) || cas(c, bucket, rate, s.get(), after)) {
                return;
            }
        }
        // contention: the attempt stays counted (fails closed)
    }

    /** Buckets currently stored (for tests and operators: the table stays bounded). */
    static long count(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT COUNT(*) FROM login_throttle")) {
            return Rows.one(ps, rs -> rs.getLong(1)).orElse(0L);
        }
    }

    private static Optional<TokenBucket.State> read(Connection c, String bucket) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT level, at FROM login_throttle WHERE bucket = ?", bucket);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new TokenBucket.State(rs.getLong(1), rs.getLong(2))) : Optional.empty();
        }
    }

    private static boolean cas(Connection c, String bucket, RateLimit rate, TokenBucket.State from, TokenBucket.State to)
            throws SQLException {
        return update(c, "UPDATE login_throttle SET level = ?, at = ?, expires = ? WHERE bucket = ? AND level = ? AND at = ?",
                to.level(), to.atMillis(), to.atMillis() + rate.perMillis(), bucket, from.level(), from.atMillis()) == 1;
    }

    /** Deletes buckets untouched for their whole window: they are full again, the same as absent. */
    private static void prune(Connection c, long now) throws SQLException {
        update(c, "DELETE FROM login_throttle WHERE expires <= ?", now);
    }
}
