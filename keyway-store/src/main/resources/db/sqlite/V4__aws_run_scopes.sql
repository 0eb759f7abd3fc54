-- Keyway schema v4 (SQLite): per-run AWS scopes for sign mode. A run ('keyway run --grant aws
-- --aws-session-policy ...') binds an inline session policy and session tags to its own token, so
-- the proxy signs that token's AWS requests with a session narrowed by them. One scope per token;
-- it goes with the token. Portable SQL (same as PostgreSQL).

CREATE TABLE aws_run_scopes (
    token_id   TEXT PRIMARY KEY REFERENCES tokens (id) ON DELETE CASCADE,
    grant_name TEXT NOT NULL,
    -- compact inline session policy JSON, NULL for tags only
    policy     TEXT,
    -- session tags as a JSON object (key -> value), NULL for none
    tags_json  TEXT,
    created_at BIGINT NOT NULL
);
