package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.SOURCE_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.SourceRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code sources} table (portable: SQLite and PostgreSQL). */
final class SourceSql {
    private SourceSql() {}

    /**
     * Inserts a source, or replaces the type, settings and secrets of the one with the same name
     * (keeping its id and creation). {@code sealSecrets} gets the new secrets version (previous + 1)
     * and returns the ciphertext, or null when the source has no secrets.
     */
    static SourceRecord put(Connection c, String newId, String name, String type, String settingsJson,
            IntFunction<byte @Nullable []> sealSecrets, String actor, Instant now) throws SQLException {
        Optional<SourceRecord> old = get(c, name);
        int version = old.map(o -> o.secretsVersion() + 1).orElse(1);
        byte[] secrets = sealSecrets.apply(version);
        if (old.isPresent()) {
            SourceRecord o = old.get();
            update(c, "UPDATE sources SET type = ?, settings_json = ?, secrets = ?, secrets_version = ?, updated_at = ? "
                    + "WHERE id = ?", type, settingsJson, secrets, version, now, o.id());
            return new SourceRecord(o.id(), name, type, settingsJson, secrets, version, o.createdAt(), o.createdBy(), now);
        }
        update(c, "INSERT INTO sources (" + SOURCE_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", newId, name, type,
                settingsJson, secrets, version, now, actor, now);
        return new SourceRecord(newId, name, type, settingsJson, secrets, version, now, actor, now);
    }

    static List<SourceRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + SOURCE_COLS + " FROM sources ORDER BY name")) {
            return Rows.list(ps, Rows::source);
        }
    }

    static Optional<SourceRecord> get(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + SOURCE_COLS + " FROM sources WHERE name = ?", name)) {
            return Rows.one(ps, Rows::source);
        }
    }

    static boolean delete(Connection c, String name) throws SQLException {
        return update(c, "DELETE FROM sources WHERE name = ?", name) > 0;
    }
}
