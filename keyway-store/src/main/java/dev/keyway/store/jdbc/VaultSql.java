package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.VAULT_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.VaultRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** SQL for the {@code vaults} table (and the vault-existence check the child tables need). */
final class VaultSql {
    /** Policy for hosts no service matches; a new vault forwards them unmodified. */
    static final String DEFAULT_POLICY = "tunnel";

    static final Set<String> POLICIES = Set.of("tunnel", "intercept", "deny");

    private VaultSql() {}

    static VaultRecord create(Connection c, String id, String name, byte[] wrappedKey, String actor, Instant now)
            throws SQLException {
        if (byName(c, name).isPresent()) {
            throw KeywayException.conflict("vault '" + name + "' already exists");
        }
        update(c, "INSERT INTO vaults (" + VAULT_COLS + ") VALUES (?, ?, ?, ?, ?, ?)",
                id, name, DEFAULT_POLICY, wrappedKey, now, actor);
        return new VaultRecord(id, name, DEFAULT_POLICY, wrappedKey, now, actor);
    }

    static List<VaultRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + VAULT_COLS + " FROM vaults ORDER BY name")) {
            return Rows.list(ps, Rows::vault);
        }
    }

    static Optional<VaultRecord> byName(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + VAULT_COLS + " FROM vaults WHERE name = ?", name)) {
            return Rows.one(ps, Rows::vault);
        }
    }

    static Optional<VaultRecord> byId(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + VAULT_COLS + " FROM vaults WHERE id = ?", id)) {
            return Rows.one(ps, Rows::vault);
        }
    }

    /** NOT_FOUND unless the vault exists; called first by every write into a vault. */
    static void requireExists(Connection c, String vaultId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT 1 FROM vaults WHERE id = ?", vaultId)) {
            if (Rows.one(ps, rs -> true).isEmpty()) {
                throw KeywayException.notFound("vault " + vaultId + " not found");
            }
        }
    }

    static boolean delete(Connection c, String id) throws SQLException {
        return update(c, "DELETE FROM vaults WHERE id = ?", id) > 0;
    }

    static void setPolicy(Connection c, String id, String policy) throws SQLException {
        if (!POLICIES.contains(policy)) {
            throw KeywayException.validation("unmatchedPolicy",
                    "unmatched policy must be tunnel, intercept or deny, not '" + policy + "'");
        }
        if (update(c, "UPDATE vaults SET unmatched_policy = ? WHERE id = ?", policy, id) == 0) {
            throw KeywayException.notFound("vault " + id + " not found");
        }
    }

    static void rewrap(Connection c, Function<VaultRecord, byte[]> rewrap, Map<String, String> metaUpdates)
            throws SQLException {
        for (VaultRecord v : list(c)) {
            update(c, "UPDATE vaults SET wrapped_key = ? WHERE id = ?", rewrap.apply(v), v.id());
        }
        for (Map.Entry<String, String> e : metaUpdates.entrySet()) {
            putMeta(c, e.getKey(), e.getValue());
        }
    }

    static void putMeta(Connection c, String key, String value) throws SQLException {
        update(c, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                key, value);
    }
}
