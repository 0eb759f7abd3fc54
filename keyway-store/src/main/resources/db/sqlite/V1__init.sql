-- Keyway schema v1 (SQLite).
-- Timestamps are epoch milliseconds UTC (BIGINT); booleans are BOOLEAN (0/1 in SQLite).
-- Kept close to what PostgreSQL accepts: only BLOB (PostgreSQL: BYTEA) differs.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Change counter bumped by every write transaction (single row).
CREATE TABLE revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);

INSERT INTO revision (id, value) VALUES (1, 0);

CREATE TABLE vaults (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    unmatched_policy TEXT NOT NULL CHECK (unmatched_policy IN ('tunnel', 'intercept', 'deny')),
    wrapped_key      BLOB NOT NULL,
    created_at       BIGINT NOT NULL,
    created_by       TEXT NOT NULL
);

CREATE TABLE credentials (
    vault_id    TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    version     INTEGER NOT NULL,
    ciphertext  BLOB NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (vault_id, name)
);

CREATE TABLE services (
    vault_id   TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    enabled    BOOLEAN NOT NULL,
    spec_json  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (vault_id, name)
);

CREATE TABLE tokens (
    id             TEXT PRIMARY KEY,
    accessor       TEXT NOT NULL UNIQUE,
    hash           BLOB NOT NULL UNIQUE,
    type           TEXT NOT NULL,
    vault_id       TEXT REFERENCES vaults (id) ON DELETE CASCADE,
    role           TEXT,
    display_name   TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT,
    period_seconds BIGINT,
    max_expires_at BIGINT,
    last_used_at   BIGINT,
    revoked        BOOLEAN NOT NULL DEFAULT FALSE,
    services       TEXT,
    parent_id      TEXT
);

CREATE INDEX tokens_vault_id ON tokens (vault_id);
