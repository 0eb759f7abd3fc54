package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.VaultMintedTokenRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** SQL for the {@code vault_minted_tokens} table. */
final class VaultMintedTokenSql {
    private static final String COLS = "source, accessor, token_type, display_name, policies, period_seconds, created_at";

    private VaultMintedTokenSql() {}

    /** Records the token unless its accessor is already recorded for the source. */
    static void add(Connection c, VaultMintedTokenRecord t) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT 1 FROM vault_minted_tokens WHERE source = ? AND accessor = ?",
                t.source(), t.accessor()); ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                return;
            }
        }
        update(c, "INSERT INTO vault_minted_tokens (" + COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", t.source(), t.accessor(),
                t.type(), t.displayName(), t.policies(), t.periodSeconds(), t.createdAt());
    }

    static List<VaultMintedTokenRecord> list(Connection c, String source) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM vault_minted_tokens WHERE source = ? "
                + "ORDER BY created_at, accessor", source)) {
            return Rows.list(ps, VaultMintedTokenSql::row);
        }
    }

    static boolean delete(Connection c, String source, String accessor) throws SQLException {
        return update(c, "DELETE FROM vault_minted_tokens WHERE source = ? AND accessor = ?", source, accessor) > 0;
    }

    private static VaultMintedTokenRecord row(ResultSet rs) throws SQLException {
        long period = rs.getLong("period_seconds");
        Long p = rs.wasNull() ? null : period;
        return new VaultMintedTokenRecord(rs.getString("source"), rs.getString("accessor"), rs.getString("token_type"),
                rs.getString("display_name"), rs.getString("policies"), p, Rows.instant(rs, "created_at"));
    }
}
