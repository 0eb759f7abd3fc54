package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.WEBHOOK_COLS;
import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.store.WebhookRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** SQL for the {@code webhooks} table. */
final class WebhookSql {
    private WebhookSql() {}

    static WebhookRecord create(Connection c, String id, String url, String format, String actor, Instant now)
            throws SQLException {
        Values.requireOneOf("format", format, Values.WEBHOOK_FORMATS);
        update(c, "INSERT INTO webhooks (" + WEBHOOK_COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                id, url, format, now, actor, null, null, 0);
        return new WebhookRecord(id, url, format, now, actor, null, null, 0);
    }

    static List<WebhookRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + WEBHOOK_COLS + " FROM webhooks ORDER BY created_at, id")) {
            return Rows.list(ps, Rows::webhook);
        }
    }

    static boolean delete(Connection c, String id) throws SQLException {
        return update(c, "DELETE FROM webhooks WHERE id = ?", id) > 0;
    }

    /** Success resets the failure count and clears the error; a failure counts up. Unknown ids are ignored. */
    static void recordDelivery(Connection c, String id, Instant at, @Nullable String error) throws SQLException {
        if (error == null) {
            update(c, "UPDATE webhooks SET last_attempt_at = ?, last_error = NULL, failures = 0 WHERE id = ?", at, id);
        } else {
            update(c, "UPDATE webhooks SET last_attempt_at = ?, last_error = ?, failures = failures + 1 WHERE id = ?",
                    at, error, id);
        }
    }
}
