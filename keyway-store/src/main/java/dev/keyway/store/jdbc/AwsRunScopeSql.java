package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.AwsRunScopeRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code aws_run_scopes} table. */
final class AwsRunScopeSql {
    private static final String COLS = "token_id, grant_name, policy, tags_json, created_at";

    private AwsRunScopeSql() {}

    /** Inserts the token's scope. NOT_FOUND for a missing token, CONFLICT when it already has one (set once). */
    static void put(Connection c, AwsRunScopeRecord s) throws SQLException {
        TokenSql.requireExists(c, s.tokenId());
        if (get(c, s.tokenId()).isPresent()) {
            throw new KeywayException(dev.keyway.core.error.ErrorType.CONFLICT, "this token already has an AWS run scope; it "
                    + "is set once per run token so it can only stay as narrow as it was");
        }
        update(c, "INSERT INTO aws_run_scopes (" + COLS + ") VALUES (?, ?, ?, ?, ?)", s.tokenId(), s.grantName(), s.policy(),
                s.tagsJson(), s.createdAt());
    }

    static Optional<AwsRunScopeRecord> get(Connection c, String tokenId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM aws_run_scopes WHERE token_id = ?", tokenId)) {
            return Rows.one(ps, AwsRunScopeSql::row);
        }
    }

    static List<AwsRunScopeRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM aws_run_scopes ORDER BY token_id")) {
            return Rows.list(ps, AwsRunScopeSql::row);
        }
    }

    private static AwsRunScopeRecord row(ResultSet rs) throws SQLException {
        return new AwsRunScopeRecord(rs.getString("token_id"), rs.getString("grant_name"), rs.getString("policy"),
                rs.getString("tags_json"), Rows.instant(rs, "created_at"));
    }
}
