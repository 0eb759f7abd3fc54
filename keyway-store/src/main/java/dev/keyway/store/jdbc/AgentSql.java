package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.AGENT_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.AgentRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code agents} table. */
final class AgentSql {
    private AgentSql() {}

    static AgentRecord create(Connection c, String id, String name, @Nullable String services, String actor,
            Instant now) throws SQLException {
        if (byName(c, name).isPresent()) {
            throw KeywayException.conflict("agent '" + name + "' already exists");
        }
        update(c, "INSERT INTO agents (" + AGENT_COLS + ") VALUES (?, ?, ?, ?, ?, ?)",
                id, name, services, now, actor, false);
        return new AgentRecord(id, name, services, now, actor, false);
    }

    static Optional<AgentRecord> byName(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + AGENT_COLS + " FROM agents WHERE name = ?", name)) {
            return Rows.one(ps, Rows::agent);
        }
    }

    static Optional<AgentRecord> byId(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + AGENT_COLS + " FROM agents WHERE id = ?", id)) {
            return Rows.one(ps, Rows::agent);
        }
    }

    static List<AgentRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + AGENT_COLS + " FROM agents ORDER BY name")) {
            return Rows.list(ps, Rows::agent);
        }
    }

    static boolean setRevoked(Connection c, String id, boolean revoked) throws SQLException {
        return update(c, "UPDATE agents SET revoked = ? WHERE id = ?", revoked, id) > 0;
    }

    static boolean setServices(Connection c, String id, @Nullable String services) throws SQLException {
        return update(c, "UPDATE agents SET services = ? WHERE id = ?", services, id) > 0;
    }

    /**
     * Deletes the agent with its grants and its tokens (the caller's transaction makes it atomic);
     * true if anything was deleted.
     */
    static boolean delete(Connection c, String id) throws SQLException {
        int rows = GrantSql.deleteOfSubject(c, id) + TokenSql.deleteOfSubject(c, id);
        return update(c, "DELETE FROM agents WHERE id = ?", id) + rows > 0;
    }
}
