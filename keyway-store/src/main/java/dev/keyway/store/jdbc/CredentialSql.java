package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.CREDENTIAL_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.CredentialRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code credentials} table. */
final class CredentialSql {
    private CredentialSql() {}

    /**
     * Create (version 1) or update (previous version + 1). The version is read and written in the
     * caller's transaction, which holds the database's write lock, so two writers cannot both
     * produce the same version.
     */
    static CredentialRecord put(Connection c, String vaultId, String name, @Nullable String description,
            String actor, IntFunction<byte[]> encryptForVersion, Instant now) throws SQLException {
        VaultSql.requireExists(c, vaultId);
        Optional<CredentialRecord> old = get(c, vaultId, name);
        int version = old.map(o -> o.version() + 1).orElse(1);
        String desc = description != null ? description : old.map(CredentialRecord::description).orElse(null);
        Instant createdAt = old.map(CredentialRecord::createdAt).orElse(now);
        byte[] ciphertext = encryptForVersion.apply(version);
        OAuthSql.drop(c, vaultId, name); // a stored value replaces an OAuth credential's minting
        if (old.isPresent()) {
            update(c, "UPDATE credentials SET description = ?, version = ?, ciphertext = ?, updated_at = ?, "
                    + "updated_by = ?, source_name = NULL, source_ref = NULL, ttl_seconds = NULL, max_stale_seconds = NULL "
                    + "WHERE vault_id = ? AND name = ?",
                    desc, version, ciphertext, now, actor, vaultId, name);
        } else {
            update(c, "INSERT INTO credentials (" + STORED_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    vaultId, name, desc, version, ciphertext, now, now, actor);
        }
        return new CredentialRecord(vaultId, name, desc, version, ciphertext, createdAt, now, actor);
    }

    private static final String STORED_COLS =
            "vault_id, name, description, version, ciphertext, created_at, updated_at, updated_by";

    /**
     * Creates or replaces a linked credential: no value (an empty ciphertext), the source, reference
     * and fetch windows. The version is bumped like a stored credential's, so caches keyed by
     * version drop a value fetched under the old link.
     */
    static CredentialRecord link(Connection c, String vaultId, String name, @Nullable String description, String actor,
            CredentialRecord.Link link, Instant now) throws SQLException {
        VaultSql.requireExists(c, vaultId);
        Optional<CredentialRecord> old = get(c, vaultId, name);
        int version = old.map(o -> o.version() + 1).orElse(1);
        String desc = description != null ? description : old.map(CredentialRecord::description).orElse(null);
        Instant createdAt = old.map(CredentialRecord::createdAt).orElse(now);
        byte[] none = new byte[0];
        OAuthSql.drop(c, vaultId, name); // OAuthSql.put re-inserts it after linking to @oauth
        if (old.isPresent()) {
            update(c, "UPDATE credentials SET description = ?, version = ?, ciphertext = ?, updated_at = ?, updated_by = ?, "
                    + "source_name = ?, source_ref = ?, ttl_seconds = ?, max_stale_seconds = ? WHERE vault_id = ? AND name = ?",
                    desc, version, none, now, actor, link.source(), link.ref(), link.ttlSeconds(), link.maxStaleSeconds(),
                    vaultId, name);
        } else {
            update(c, "INSERT INTO credentials (" + CREDENTIAL_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    vaultId, name, desc, version, none, now, now, actor, link.source(), link.ref(), link.ttlSeconds(),
                    link.maxStaleSeconds());
        }
        return new CredentialRecord(vaultId, name, desc, version, none, createdAt, now, actor, link);
    }

    /** Every linked credential of every vault that uses the source, as "vault-id/NAME" pairs via records. */
    static List<CredentialRecord> linkedTo(Connection c, String source) throws SQLException {
        try (PreparedStatement ps = prepare(c,
                "SELECT " + CREDENTIAL_COLS + " FROM credentials WHERE source_name = ? ORDER BY vault_id, name", source)) {
            return Rows.list(ps, Rows::credential);
        }
    }

    static List<CredentialRecord> list(Connection c, String vaultId) throws SQLException {
        try (PreparedStatement ps = prepare(c,
                "SELECT " + CREDENTIAL_COLS + " FROM credentials WHERE vault_id = ? ORDER BY name", vaultId)) {
            return Rows.list(ps, Rows::credential);
        }
    }

    static Optional<CredentialRecord> get(Connection c, String vaultId, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c,
                "SELECT " + CREDENTIAL_COLS + " FROM credentials WHERE vault_id = ? AND name = ?", vaultId, name)) {
            return Rows.one(ps, Rows::credential);
        }
    }

    static boolean delete(Connection c, String vaultId, String name) throws SQLException {
        return update(c, "DELETE FROM credentials WHERE vault_id = ? AND name = ?", vaultId, name) > 0;
    }
}
