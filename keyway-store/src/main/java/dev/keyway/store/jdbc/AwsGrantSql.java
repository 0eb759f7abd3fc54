package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.AWS_GRANT_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.AwsGrantRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code aws_grants} table. Hosts are stored one per line (NULL for none). */
final class AwsGrantSql {
    private AwsGrantSql() {}

    /** Inserts, or replaces the configuration of the grant with the same (vault, name), keeping its id and creation. */
    static AwsGrantRecord put(Connection c, String newId, AwsGrantRecord g, Instant now) throws SQLException {
        VaultSql.requireExists(c, g.vaultId());
        Values.requireOneOf("mode", g.mode(), Values.AWS_MODES);
        Optional<AwsGrantRecord> old = get(c, g.vaultId(), g.name());
        String hosts = joinHosts(g.hosts());
        if (old.isPresent()) {
            AwsGrantRecord o = old.get();
            update(c, "UPDATE aws_grants SET role_arn = ?, region = ?, session_seconds = ?, external_id = ?, session_policy = ?, "
                    + "mode = ?, hosts = ?, allow_private = ?, host_credential = ? WHERE id = ?", g.roleArn(), g.region(),
                    g.sessionSeconds(), g.externalId(), g.sessionPolicy(), g.mode(), hosts, g.allowPrivate(), g.hostCredential(),
                    o.id());
            return new AwsGrantRecord(o.id(), g.vaultId(), g.name(), g.roleArn(), g.region(), g.sessionSeconds(), g.externalId(),
                    g.sessionPolicy(), g.mode(), g.hosts(), g.allowPrivate(), g.hostCredential(), o.createdAt(), o.createdBy());
        }
        update(c, "INSERT INTO aws_grants (" + AWS_GRANT_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", newId,
                g.vaultId(), g.name(), g.roleArn(), g.region(), g.sessionSeconds(), g.externalId(), g.sessionPolicy(), g.mode(),
                hosts, g.allowPrivate(), g.hostCredential(), now, g.createdBy());
        return new AwsGrantRecord(newId, g.vaultId(), g.name(), g.roleArn(), g.region(), g.sessionSeconds(), g.externalId(),
                g.sessionPolicy(), g.mode(), g.hosts(), g.allowPrivate(), g.hostCredential(), now, g.createdBy());
    }

    static List<AwsGrantRecord> list(Connection c, String vaultId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + AWS_GRANT_COLS + " FROM aws_grants WHERE vault_id = ? ORDER BY name",
                vaultId)) {
            return Rows.list(ps, Rows::awsGrant);
        }
    }

    static Optional<AwsGrantRecord> get(Connection c, String vaultId, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + AWS_GRANT_COLS + " FROM aws_grants WHERE vault_id = ? AND name = ?",
                vaultId, name)) {
            return Rows.one(ps, Rows::awsGrant);
        }
    }

    static boolean delete(Connection c, String vaultId, String name) throws SQLException {
        return update(c, "DELETE FROM aws_grants WHERE vault_id = ? AND name = ?", vaultId, name) > 0;
    }

    private static @Nullable String joinHosts(List<String> hosts) {
        for (String h : hosts) {
            if (h.isBlank() || h.indexOf('\n') >= 0 || h.indexOf('\r') >= 0) {
                throw dev.keyway.core.error.KeywayException.validation("hosts", "a host is empty or contains a line break");
            }
        }
        return hosts.isEmpty() ? null : String.join("\n", hosts);
    }

    static List<String> splitHosts(@Nullable String stored) {
        return stored == null || stored.isEmpty() ? List.of() : List.of(stored.split("\n"));
    }
}
