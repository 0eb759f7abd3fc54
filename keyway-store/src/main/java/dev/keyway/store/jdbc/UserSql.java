package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.USER_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.UserRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * SQL for the {@code users} table. E-mail addresses are kept as entered; uniqueness and lookup use
 * the lower-cased copy in {@code email_lower} (portable, unlike a case-insensitive collation).
 */
final class UserSql {
    private UserSql() {}

    static String key(String email) {
        return email.toLowerCase(Locale.ROOT);
    }

    static UserRecord create(Connection c, String id, String email, String passwordHash, String role, Instant now)
            throws SQLException {
        Values.requireOneOf("role", role, Values.USER_ROLES);
        if (byEmail(c, email).isPresent()) {
            throw KeywayException.conflict("a user with e-mail '" + email + "' already exists");
        }
        update(c, "INSERT INTO users (" + USER_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                id, email, key(email), passwordHash, role, now, false);
        return new UserRecord(id, email, passwordHash, role, now, false);
    }

    static Optional<UserRecord> byEmail(Connection c, String email) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + USER_COLS + " FROM users WHERE email_lower = ?", key(email))) {
            return Rows.one(ps, Rows::user);
        }
    }

    static Optional<UserRecord> byId(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + USER_COLS + " FROM users WHERE id = ?", id)) {
            return Rows.one(ps, Rows::user);
        }
    }

    static List<UserRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + USER_COLS + " FROM users ORDER BY email_lower, id")) {
            return Rows.list(ps, Rows::user);
        }
    }

    static boolean setDisabled(Connection c, String id, boolean disabled) throws SQLException {
        return update(c, "UPDATE users SET disabled = ? WHERE id = ? AND disabled = ?", disabled, id, !disabled) > 0;
    }

    static boolean updatePassword(Connection c, String id, String passwordHash) throws SQLException {
        return update(c, "UPDATE users SET password_hash = ? WHERE id = ?", passwordHash, id) > 0;
    }
}
