package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.store.DecoyRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** SQL for the {@code decoys} table. */
final class DecoySql {
    private DecoySql() {}

    private static final String COLS = "vault_id, name, value, like_template, revoke_on_use, created_at, created_by";

    /**
     * Inserts a decoy. A name already used by a decoy or a credential of the vault is a conflict
     * (both become environment variables of the same name in {@code keyway run}).
     */
    static DecoyRecord insert(Connection c, DecoyRecord d) throws SQLException {
        VaultSql.requireExists(c, d.vaultId());
        if (CredentialSql.get(c, d.vaultId(), d.name()).isPresent()) {
            throw new KeywayException(ErrorType.CONFLICT, "vault already has a credential named " + d.name()
                    + "; a decoy needs a name of its own");
        }
        if (get(c, d.vaultId(), d.name())) {
            throw new KeywayException(ErrorType.CONFLICT, "vault already has a decoy named " + d.name()
                    + "; remove it first ('keyway credential remove " + d.name() + "')");
        }
        update(c, "INSERT INTO decoys (" + COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", d.vaultId(), d.name(), d.value(),
                d.like(), d.revokeOnUse(), d.createdAt(), d.createdBy());
        return d;
    }

    private static boolean get(Connection c, String vaultId, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT 1 FROM decoys WHERE vault_id = ? AND name = ?", vaultId, name)) {
            return Rows.one(ps, rs -> true).orElse(false);
        }
    }

    static List<DecoyRecord> list(Connection c, String vaultId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM decoys WHERE vault_id = ? ORDER BY name", vaultId)) {
            return Rows.list(ps, DecoySql::row);
        }
    }

    static boolean delete(Connection c, String vaultId, String name) throws SQLException {
        return update(c, "DELETE FROM decoys WHERE vault_id = ? AND name = ?", vaultId, name) > 0;
    }

    private static DecoyRecord row(ResultSet rs) throws SQLException {
        return new DecoyRecord(rs.getString("vault_id"), rs.getString("name"), rs.getString("value"),
                rs.getString("like_template"), rs.getBoolean("revoke_on_use"), Rows.instant(rs, "created_at"),
                rs.getString("created_by"));
    }
}
