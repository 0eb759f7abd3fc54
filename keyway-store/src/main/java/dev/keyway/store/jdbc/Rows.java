package dev.keyway.store.jdbc;

import dev.keyway.store.AgentRecord;
import dev.keyway.store.AwsGrantRecord;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.SourceRecord;
import dev.keyway.store.GrantRecord;
import dev.keyway.store.ProposalRecord;
import dev.keyway.store.ServiceRecord;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.UserRecord;
import dev.keyway.store.VaultRecord;
import dev.keyway.store.WebhookRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Column mapping shared by the table classes. Timestamps are epoch milliseconds, so instants
 * read back are truncated to milliseconds.
 */
final class Rows {
    static final String VAULT_COLS = "id, name, unmatched_policy, wrapped_key, created_at, created_by";
    static final String CREDENTIAL_COLS =
            "vault_id, name, description, version, ciphertext, created_at, updated_at, updated_by, source_name, source_ref, "
                    + "ttl_seconds, max_stale_seconds";
    static final String SOURCE_COLS =
            "id, name, type, settings_json, secrets, secrets_version, created_at, created_by, updated_at";
    static final String SERVICE_COLS =
            "vault_id, name, position, enabled, spec_json, created_at, updated_at, updated_by";
    static final String TOKEN_COLS = "id, accessor, hash, type, vault_id, role, display_name, created_by, created_at, "
            + "expires_at, period_seconds, max_expires_at, last_used_at, revoked, services, parent_id, subject";
    static final String USER_COLS = "id, email, email_lower, password_hash, role, created_at, disabled";
    static final String AGENT_COLS = "id, name, services, created_at, created_by, revoked";
    static final String GRANT_COLS = "subject_id, vault_id, role";
    static final String PROPOSAL_COLS = "id, vault_id, status, body_json, message, created_by, created_at, "
            + "expires_at, reviewed_by, reviewed_at, reason, approval_token_id, flags";
    static final String WEBHOOK_COLS =
            "id, url, format, created_at, created_by, last_attempt_at, last_error, failures";
    static final String AWS_GRANT_COLS = "id, vault_id, name, role_arn, region, session_seconds, external_id, session_policy, "
            + "mode, hosts, allow_private, host_credential, created_at, created_by";

    private Rows() {}

    /** A row mapper. */
    @FunctionalInterface
    interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    static <T> List<T> list(PreparedStatement ps, Mapper<T> mapper) throws SQLException {
        List<T> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
        }
        return out;
    }

    static <T> Optional<T> one(PreparedStatement ps, Mapper<T> mapper) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(mapper.map(rs)) : Optional.empty();
        }
    }

    /** Sets positional parameters; {@code null}, {@link Instant} and {@link Duration} handled. */
    static PreparedStatement prepare(Connection c, String sql, @Nullable Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                switch (a) {
                    case null -> ps.setNull(i + 1, Types.NULL);
                    case Instant t -> ps.setLong(i + 1, t.toEpochMilli());
                    case Duration d -> ps.setLong(i + 1, d.toSeconds());
                    case byte[] b -> ps.setBytes(i + 1, b);
                    case Boolean b -> ps.setBoolean(i + 1, b);
                    case Integer n -> ps.setInt(i + 1, n);
                    case Long n -> ps.setLong(i + 1, n);
                    case String s -> ps.setString(i + 1, s);
                    default -> throw new IllegalArgumentException("unsupported parameter type " + a.getClass());
                }
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    static int update(Connection c, String sql, @Nullable Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    static Instant instant(ResultSet rs, String col) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(col));
    }

    static @Nullable Instant instantOrNull(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    static VaultRecord vault(ResultSet rs) throws SQLException {
        return new VaultRecord(rs.getString("id"), rs.getString("name"), rs.getString("unmatched_policy"),
                rs.getBytes("wrapped_key"), instant(rs, "created_at"), rs.getString("created_by"));
    }

    static CredentialRecord credential(ResultSet rs) throws SQLException {
        return new CredentialRecord(rs.getString("vault_id"), rs.getString("name"), rs.getString("description"),
                rs.getInt("version"), rs.getBytes("ciphertext"), instant(rs, "created_at"),
                instant(rs, "updated_at"), rs.getString("updated_by"), link(rs));
    }

    private static CredentialRecord.@Nullable Link link(ResultSet rs) throws SQLException {
        String source = rs.getString("source_name");
        if (source == null) {
            return null;
        }
        return new CredentialRecord.Link(source, rs.getString("source_ref"), rs.getLong("ttl_seconds"),
                rs.getLong("max_stale_seconds"));
    }

    static SourceRecord source(ResultSet rs) throws SQLException {
        return new SourceRecord(rs.getString("id"), rs.getString("name"), rs.getString("type"), rs.getString("settings_json"),
                rs.getBytes("secrets"), rs.getInt("secrets_version"), instant(rs, "created_at"), rs.getString("created_by"),
                instant(rs, "updated_at"));
    }

    static ServiceRecord service(ResultSet rs) throws SQLException {
        return new ServiceRecord(rs.getString("vault_id"), rs.getString("name"), rs.getInt("position"),
                rs.getBoolean("enabled"), rs.getString("spec_json"), instant(rs, "created_at"),
                instant(rs, "updated_at"), rs.getString("updated_by"));
    }

    static TokenRecord token(ResultSet rs) throws SQLException {
        long period = rs.getLong("period_seconds");
        Duration periodOrNull = rs.wasNull() ? null : Duration.ofSeconds(period);
        return new TokenRecord(rs.getString("id"), rs.getString("accessor"), rs.getBytes("hash"),
                rs.getString("type"), rs.getString("vault_id"), rs.getString("role"), rs.getString("display_name"),
                rs.getString("created_by"), instant(rs, "created_at"), instantOrNull(rs, "expires_at"),
                periodOrNull, instantOrNull(rs, "max_expires_at"), instantOrNull(rs, "last_used_at"),
                rs.getBoolean("revoked"), rs.getString("services"), rs.getString("parent_id"),
                rs.getString("subject"));
    }

    static UserRecord user(ResultSet rs) throws SQLException {
        return new UserRecord(rs.getString("id"), rs.getString("email"), rs.getString("password_hash"),
                rs.getString("role"), instant(rs, "created_at"), rs.getBoolean("disabled"));
    }

    static AgentRecord agent(ResultSet rs) throws SQLException {
        return new AgentRecord(rs.getString("id"), rs.getString("name"), rs.getString("services"),
                instant(rs, "created_at"), rs.getString("created_by"), rs.getBoolean("revoked"));
    }

    static GrantRecord grant(ResultSet rs) throws SQLException {
        return new GrantRecord(rs.getString("subject_id"), rs.getString("vault_id"), rs.getString("role"));
    }

    static ProposalRecord proposal(ResultSet rs) throws SQLException {
        return new ProposalRecord(rs.getString("id"), rs.getString("vault_id"), rs.getString("status"),
                rs.getString("body_json"), rs.getString("message"), rs.getString("created_by"),
                instant(rs, "created_at"), instant(rs, "expires_at"), rs.getString("reviewed_by"),
                instantOrNull(rs, "reviewed_at"), rs.getString("reason"), rs.getString("approval_token_id"),
                rs.getString("flags"));
    }

    static WebhookRecord webhook(ResultSet rs) throws SQLException {
        return new WebhookRecord(rs.getString("id"), rs.getString("url"), rs.getString("format"),
                instant(rs, "created_at"), rs.getString("created_by"), instantOrNull(rs, "last_attempt_at"),
                rs.getString("last_error"), rs.getInt("failures"));
    }

    static AwsGrantRecord awsGrant(ResultSet rs) throws SQLException {
        return new AwsGrantRecord(rs.getString("id"), rs.getString("vault_id"), rs.getString("name"), rs.getString("role_arn"),
                rs.getString("region"), rs.getInt("session_seconds"), rs.getString("external_id"), rs.getString("session_policy"),
                rs.getString("mode"), AwsGrantSql.splitHosts(rs.getString("hosts")), rs.getBoolean("allow_private"),
                rs.getString("host_credential"), instant(rs, "created_at"), rs.getString("created_by"));
    }
}
