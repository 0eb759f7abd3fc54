package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.SERVICE_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.ServiceRecord;
import dev.keyway.store.Store.ServiceSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * SQL for the {@code services} table. Positions start at 0; deleting a service leaves a gap,
 * which is harmless because only the order matters.
 */
final class ServiceSql {
    private ServiceSql() {}

    static ServiceRecord put(Connection c, String vaultId, String name, String specJson, boolean enabled,
            String actor, Instant now) throws SQLException {
        VaultSql.requireExists(c, vaultId);
        Optional<ServiceRecord> old = get(c, vaultId, name);
        if (old.isPresent()) {
            update(c, "UPDATE services SET spec_json = ?, enabled = ?, updated_at = ?, updated_by = ? "
                    + "WHERE vault_id = ? AND name = ?", specJson, enabled, now, actor, vaultId, name);
            ServiceRecord o = old.get();
            return new ServiceRecord(vaultId, name, o.position(), enabled, specJson, o.createdAt(), now, actor);
        }
        int position;
        try (PreparedStatement ps = prepare(c,
                "SELECT COALESCE(MAX(position), -1) + 1 FROM services WHERE vault_id = ?", vaultId)) {
            position = Rows.one(ps, rs -> rs.getInt(1)).orElse(0);
        }
        update(c, "INSERT INTO services (" + SERVICE_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                vaultId, name, position, enabled, specJson, now, now, actor);
        return new ServiceRecord(vaultId, name, position, enabled, specJson, now, now, actor);
    }

    static List<ServiceRecord> list(Connection c, String vaultId) throws SQLException {
        try (PreparedStatement ps = prepare(c,
                "SELECT " + SERVICE_COLS + " FROM services WHERE vault_id = ? ORDER BY position, name", vaultId)) {
            return Rows.list(ps, Rows::service);
        }
    }

    static Optional<ServiceRecord> get(Connection c, String vaultId, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c,
                "SELECT " + SERVICE_COLS + " FROM services WHERE vault_id = ? AND name = ?", vaultId, name)) {
            return Rows.one(ps, Rows::service);
        }
    }

    static boolean delete(Connection c, String vaultId, String name) throws SQLException {
        return update(c, "DELETE FROM services WHERE vault_id = ? AND name = ?", vaultId, name) > 0;
    }

    static boolean setEnabled(Connection c, String vaultId, String name, boolean enabled, String actor, Instant now)
            throws SQLException {
        return update(c, "UPDATE services SET enabled = ?, updated_at = ?, updated_by = ? WHERE vault_id = ? AND name = ?",
                enabled, now, actor, vaultId, name) > 0;
    }

    /**
     * Makes the vault's services exactly {@code specs} at positions 0..n-1. Kept services keep
     * {@code created_at}; their {@code updated_at/by} change only if spec or enabled flag changed,
     * so re-applying the same configuration does not rewrite history.
     */
    static void replace(Connection c, String vaultId, List<ServiceSpec> specs, String actor, Instant now)
            throws SQLException {
        Set<String> wanted = new HashSet<>();
        for (ServiceSpec s : specs) {
            if (!wanted.add(s.name())) {
                throw KeywayException.validation("services", "service '" + s.name() + "' is listed twice");
            }
        }
        VaultSql.requireExists(c, vaultId);
        for (ServiceRecord existing : list(c, vaultId)) {
            if (!wanted.contains(existing.name())) {
                delete(c, vaultId, existing.name());
            }
        }
        String upsert = "INSERT INTO services (" + SERVICE_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (vault_id, name) DO UPDATE SET position = excluded.position, "
                + "updated_at = CASE WHEN services.spec_json = excluded.spec_json AND services.enabled = excluded.enabled "
                + "THEN services.updated_at ELSE excluded.updated_at END, "
                + "updated_by = CASE WHEN services.spec_json = excluded.spec_json AND services.enabled = excluded.enabled "
                + "THEN services.updated_by ELSE excluded.updated_by END, "
                + "spec_json = excluded.spec_json, enabled = excluded.enabled";
        int position = 0;
        for (ServiceSpec s : specs) {
            update(c, upsert, vaultId, s.name(), position++, s.enabled(), s.specJson(), now, now, actor);
        }
    }
}
