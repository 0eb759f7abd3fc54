package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.GRANT_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.GrantRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** SQL for the {@code grants} table (a subject's role on a vault; removed with the vault). */
final class GrantSql {
    private GrantSql() {}

    static void set(Connection c, String subjectId, String vaultId, String role) throws SQLException {
        Values.requireOneOf("role", role, Values.GRANT_ROLES);
        VaultSql.requireExists(c, vaultId);
        update(c, "INSERT INTO grants (" + GRANT_COLS + ") VALUES (?, ?, ?) "
                + "ON CONFLICT (subject_id, vault_id) DO UPDATE SET role = excluded.role", subjectId, vaultId, role);
    }

    static boolean remove(Connection c, String subjectId, String vaultId) throws SQLException {
        return update(c, "DELETE FROM grants WHERE subject_id = ? AND vault_id = ?", subjectId, vaultId) > 0;
    }

    static int deleteOfSubject(Connection c, String subjectId) throws SQLException {
        return update(c, "DELETE FROM grants WHERE subject_id = ?", subjectId);
    }

    static List<GrantRecord> of(Connection c, String subjectId) throws SQLException {
        try (PreparedStatement ps = prepare(c,
                "SELECT " + GRANT_COLS + " FROM grants WHERE subject_id = ? ORDER BY vault_id", subjectId)) {
            return Rows.list(ps, Rows::grant);
        }
    }

    static List<GrantRecord> all(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + GRANT_COLS + " FROM grants ORDER BY subject_id, vault_id")) {
            return Rows.list(ps, Rows::grant);
        }
    }
}
