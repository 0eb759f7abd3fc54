package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.CredentialRecord;
import dev.keyway.store.OAuthRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code oauth_credentials} table (portable: SQLite and PostgreSQL). */
final class OAuthSql {
    static final String COLS = "vault_id, name, grant_type, token_url, client_id, settings_json, secrets, secrets_version, "
            + "state, state_detail, state_at, updated_at";

    private OAuthSql() {}

    /**
     * Creates or replaces an OAuth credential: the credentials row linked to {@link OAuthRecord#SOURCE}
     * (version bumped) and its minting row, with a fresh secrets version, in the caller's transaction.
     * The state starts {@code ok} (re-authorizing clears {@code broken}).
     */
    static CredentialRecord put(Connection c, String vaultId, String name, @Nullable String description, String actor,
            OAuthRecord.Settings s, IntFunction<byte[]> sealSecrets, Instant now) throws SQLException {
        Optional<OAuthRecord> old = get(c, vaultId, name);
        CredentialRecord r = CredentialSql.link(c, vaultId, name, description, actor,
                new CredentialRecord.Link(OAuthRecord.SOURCE, vaultId + "/" + name, DEFAULT_TTL_SECONDS, 0), now);
        int version = old.map(o -> o.secretsVersion() + 1).orElse(1);
        byte[] secrets = sealSecrets.apply(version);
        update(c, "INSERT INTO oauth_credentials (" + COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", vaultId, name,
                s.grant(), s.tokenUrl(), s.clientId(), s.settingsJson(), secrets, version, OAuthRecord.State.OK.wire(), null,
                now, now);
        return r;
    }

    /** The access-token lifetime assumed when the token endpoint gives no {@code expires_in}. */
    static final long DEFAULT_TTL_SECONDS = 300;

    /** Drops the minting row (the credential becomes stored or linked again, or is deleted). */
    static void drop(Connection c, String vaultId, String name) throws SQLException {
        update(c, "DELETE FROM oauth_credentials WHERE vault_id = ? AND name = ?", vaultId, name);
    }

    static Optional<OAuthRecord> get(Connection c, String vaultId, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM oauth_credentials WHERE vault_id = ? AND name = ?",
                vaultId, name)) {
            return Rows.one(ps, OAuthSql::row);
        }
    }

    static List<OAuthRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM oauth_credentials ORDER BY vault_id, name")) {
            return Rows.list(ps, OAuthSql::row);
        }
    }

    /**
     * Replaces the sealed secrets iff the stored secrets version is still {@code expected}
     * (compare-and-set: two refreshes racing cannot both write, and a re-authorization in between
     * is never overwritten). False when the version moved or the credential is gone.
     */
    static boolean rotate(Connection c, String vaultId, String name, int expected, IntFunction<byte[]> sealSecrets,
            Instant now) throws SQLException {
        Optional<OAuthRecord> old = get(c, vaultId, name);
        if (old.isEmpty() || old.get().secretsVersion() != expected) {
            return false;
        }
        byte[] secrets = sealSecrets.apply(expected + 1);
        return update(c, "UPDATE oauth_credentials SET secrets = ?, secrets_version = ?, updated_at = ? "
                + "WHERE vault_id = ? AND name = ? AND secrets_version = ?", secrets, expected + 1, now, vaultId, name, expected) == 1;
    }

    /** Records the state (broken with why, or ok), unless the secrets version moved (re-authorized meanwhile). */
    static boolean setState(Connection c, String vaultId, String name, int secretsVersion, OAuthRecord.State state,
            @Nullable String detail, Instant now) throws SQLException {
        return update(c, "UPDATE oauth_credentials SET state = ?, state_detail = ?, state_at = ? "
                + "WHERE vault_id = ? AND name = ? AND secrets_version = ?", state.wire(), detail, now, vaultId, name,
                secretsVersion) == 1;
    }

    private static OAuthRecord row(ResultSet rs) throws SQLException {
        return new OAuthRecord(rs.getString("vault_id"), rs.getString("name"), rs.getString("grant_type"),
                rs.getString("token_url"), rs.getString("client_id"), rs.getString("settings_json"), rs.getBytes("secrets"),
                rs.getInt("secrets_version"), OAuthRecord.State.of(rs.getString("state")), rs.getString("state_detail"),
                Rows.instant(rs, "state_at"), Rows.instant(rs, "updated_at"));
    }
}
