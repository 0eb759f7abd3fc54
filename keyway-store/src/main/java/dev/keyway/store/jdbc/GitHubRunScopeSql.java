package dev.keyway.store.jdbc;

import static dev.keyway.store.jdbc.Rows.prepare;
import static dev.keyway.store.jdbc.Rows.update;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.GitHubRunScopeRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code github_run_scopes} table. */
final class GitHubRunScopeSql {
    private static final String COLS = "token_id, repositories_json, permissions_json, created_at";

    private GitHubRunScopeSql() {}

    /** Inserts the token's narrowing. NOT_FOUND for a missing token, CONFLICT when it already has one (set once). */
    static void put(Connection c, GitHubRunScopeRecord s) throws SQLException {
        TokenSql.requireExists(c, s.tokenId());
        if (get(c, s.tokenId()).isPresent()) {
            throw new KeywayException(dev.keyway.core.error.ErrorType.CONFLICT, "this token already has a GitHub narrowing; "
                    + "it is set once per run token so it can only stay as narrow as it was");
        }
        update(c, "INSERT INTO github_run_scopes (" + COLS + ") VALUES (?, ?, ?, ?)", s.tokenId(), s.repositoriesJson(),
                s.permissionsJson(), s.createdAt());
    }

    static Optional<GitHubRunScopeRecord> get(Connection c, String tokenId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM github_run_scopes WHERE token_id = ?", tokenId)) {
            return Rows.one(ps, GitHubRunScopeSql::row);
        }
    }

    static List<GitHubRunScopeRecord> list(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT " + COLS + " FROM github_run_scopes ORDER BY token_id")) {
            return Rows.list(ps, GitHubRunScopeSql::row);
        }
    }

    private static GitHubRunScopeRecord row(ResultSet rs) throws SQLException {
        return new GitHubRunScopeRecord(rs.getString("token_id"), rs.getString("repositories_json"),
                rs.getString("permissions_json"), Rows.instant(rs, "created_at"));
    }
}
