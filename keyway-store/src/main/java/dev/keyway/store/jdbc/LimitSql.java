package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.limit.TokenBucket;
import dev.keyway.store.LimitRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * SQL for the {@code limits} table. The shared bucket ({@code bucket_level}, {@code bucket_at}) is
 * only ever changed by a compare-and-set on both columns ({@link #lease}), so concurrent nodes
 * never take the same token twice and no lock is held across the read and the write.
 */
final class LimitSql {
    private LimitSql() {}

    static final String COLS = "id, vault_id, service, agent_id, token_id, credential, requests, per_ms, created_at, created_by";

    /** Compare-and-set attempts of one lease before giving up (each failure means another node took tokens). */
    static final int CAS_ATTEMPTS = 20;

    static LimitRecord put(Connection c, String newId, LimitRecord l, Instant now) throws SQLException {
        VaultSql.requireExists(c, l.vaultId());
        if (l.agentId() != null && l.tokenId() != null) {
            throw KeywayException.validation("agent", "a limit names an agent or a token, not both");
        }
        TokenBucket.State full = TokenBucket.full(l.rate(), now.toEpochMilli());
        Optional<LimitRecord> old = byScope(c, l.vaultId(), l.scopeKey());
        try {
            if (old.isPresent()) {
                LimitRecord o = old.get();
                update(c, "UPDATE limits SET requests = ?, per_ms = ?, bucket_level = ?, bucket_at = ? WHERE id = ?",
                        l.rate().requests(), l.rate().perMillis(), full.level(), full.atMillis(), o.id());
                return new LimitRecord(o.id(), o.vaultId(), o.service(), o.agentId(), o.tokenId(), o.credential(), l.rate(),
                        o.createdAt(), o.createdBy());
            }
            update(c, "INSERT INTO limits (" + COLS + ", scope_key, bucket_level, bucket_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    newId, l.vaultId(), l.service(), l.agentId(), l.tokenId(), l.credential(), l.rate().requests(),
                    l.rate().perMillis(), now, l.createdBy(), l.scopeKey(), full.level(), full.atMillis());
        } catch (SQLException e) {
            if (isForeignKey(e)) {
                throw KeywayException.notFound("the agent or token the limit names does not exist");
            }
            throw e;
        }
        return new LimitRecord(newId, l.vaultId(), l.service(), l.agentId(), l.tokenId(), l.credential(), l.rate(), now,
                l.createdBy());
    }

    /** SQLite: SQLITE_CONSTRAINT_FOREIGNKEY (787); PostgreSQL: 23503. */
    private static boolean isForeignKey(SQLException e) {
        return "23503".equals(e.getSQLState()) || e.getErrorCode() == 787
                || (e.getMessage() != null && e.getMessage().contains("FOREIGN KEY"));
    }

    static List<LimitRecord> list(Connection c, @Nullable String vaultId) throws SQLException {
        String sql = "SELECT " + COLS + " FROM limits" + (vaultId == null ? "" : " WHERE vault_id = ?") + " ORDER BY created_at, id";
        try (PreparedStatement ps = vaultId == null ? prepare(c, sql) : prepare(c, sql, vaultId)) {
            return Rows.list(ps, LimitSql::row);
        }
    }

    static Optional<LimitRecord> get(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM limits WHERE id = ?", id)) {
            return Rows.one(ps, LimitSql::row);
        }
    }

    private static Optional<LimitRecord> byScope(Connection c, String vaultId, String scopeKey) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM limits WHERE vault_id = ? AND scope_key = ?", vaultId,
                scopeKey)) {
            return Rows.one(ps, LimitSql::row);
        }
    }

    static boolean delete(Connection c, String id) throws SQLException {
        return update(c, "DELETE FROM limits WHERE id = ?", id) > 0;
    }

    /**
     * Takes up to {@code want} tokens from the shared bucket: read the row, compute the take with
     * {@link TokenBucket#take}, write it back only if the row still holds what was read. Runs in
     * auto-commit (one statement each), so it holds no lock and never waits for a configuration
     * write. Empty when the limit does not exist (removed meanwhile).
     */
    static Optional<LimitRecord.Lease> lease(Connection c, String id, long want, long nowMillis) throws SQLException {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            long requests;
            long perMs;
            TokenBucket.State s;
            try (PreparedStatement ps = prepare(c, "SELECT requests, per_ms, bucket_level, bucket_at FROM limits WHERE id = ?", id);
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                requests = rs.getLong(1);
                perMs = rs.getLong(2);
                s = new TokenBucket.State(rs.getLong(3), rs.getLong(4));
            }
            RateLimit rate = new RateLimit(requests, Duration.ofMillis(perMs));
            TokenBucket.Take t = TokenBucket.take(rate, s, nowMillis, want);
            if (t.state().equals(s)) {
                return Optional.of(new LimitRecord.Lease(t.granted(), t.waitMillis()));
            }
            int n = update(c, "UPDATE limits SET bucket_level = ?, bucket_at = ? WHERE id = ? AND bucket_level = ? AND bucket_at = ?"
                    + " AND requests = ? AND per_ms = ?", t.state().level(), t.state().atMillis(), id, s.level(), s.atMillis(),
                    requests, perMs);
            if (n == 1) {
                return Optional.of(new LimitRecord.Lease(t.granted(), t.waitMillis()));
            }
        }
        // heavy contention: grant nothing this time (the caller retries later); never over-grant
        return Optional.of(new LimitRecord.Lease(0, 0));
    }

    private static LimitRecord row(ResultSet rs) throws SQLException {
        return new LimitRecord(rs.getString("id"), rs.getString("vault_id"), rs.getString("service"), rs.getString("agent_id"),
                rs.getString("token_id"), rs.getString("credential"),
                new RateLimit(rs.getLong("requests"), Duration.ofMillis(rs.getLong("per_ms"))), Rows.instant(rs, "created_at"),
                rs.getString("created_by"));
    }
}
