package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.TOKEN_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.TokenRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code tokens} table (only token hashes are stored). */
final class TokenSql {
    private TokenSql() {}

    static void insert(Connection c, TokenRecord t) throws SQLException {
        if (t.vaultId() != null) {
            VaultSql.requireExists(c, t.vaultId());
        }
        update(c, "INSERT INTO tokens (" + TOKEN_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                t.id(), t.accessor(), t.hash(), t.type(), t.vaultId(), t.role(), t.displayName(), t.createdBy(),
                t.createdAt(), t.expiresAt(), t.period(), t.maxExpiresAt(), t.lastUsedAt(), t.revoked(),
                t.services(), t.parentId(), t.subject());
    }

    static Optional<TokenRecord> by(Connection c, String column, Object value) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + TOKEN_COLS + " FROM tokens WHERE " + column + " = ?", value)) {
            return Rows.one(ps, Rows::token);
        }
    }

    static List<TokenRecord> list(Connection c, @Nullable String vaultId) throws SQLException {
        String sql = "SELECT " + TOKEN_COLS + " FROM tokens"
                + (vaultId == null ? "" : " WHERE vault_id = ?") + " ORDER BY created_at, id";
        try (PreparedStatement ps = vaultId == null ? prepare(c, sql) : prepare(c, sql, vaultId)) {
            return Rows.list(ps, Rows::token);
        }
    }

    static boolean revoke(Connection c, String id) throws SQLException {
        return update(c, "UPDATE tokens SET revoked = ? WHERE id = ?", true, id) > 0;
    }

    /** Revokes the subject's live tokens; returns how many. */
    static int revokeOfSubject(Connection c, String subject) throws SQLException {
        return update(c, "UPDATE tokens SET revoked = ? WHERE subject = ? AND revoked = ?", true, subject, false);
    }

    static int deleteOfSubject(Connection c, String subject) throws SQLException {
        return update(c, "DELETE FROM tokens WHERE subject = ?", subject);
    }

    static boolean updateExpiry(Connection c, String id, Instant expiresAt) throws SQLException {
        return update(c, "UPDATE tokens SET expires_at = ? WHERE id = ?", expiresAt, id) > 0;
    }

    /** Only moves {@code last_used_at} forward, so a late batch never overwrites a newer value. */
    static void touch(Connection c, Map<String, Instant> lastUsed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
            for (Map.Entry<String, Instant> e : lastUsed.entrySet()) {
                long millis = e.getValue().toEpochMilli();
                ps.setLong(1, millis);
                ps.setString(2, e.getKey());
                ps.setLong(3, millis);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** NOT_FOUND unless the token exists (a run scope or narrowing binds to an existing token). */
    static void requireExists(Connection c, String tokenId) throws SQLException {
        try (PreparedStatement ps = Rows.prepare(c, "SELECT 1 FROM tokens WHERE id = ?", tokenId);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw dev.keyway.core.error.KeywayException.notFound("token not found");
            }
        }
    }
}
