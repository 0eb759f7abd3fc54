-- Keyway schema v2 (SQLite): identities (users, agents), their roles on vaults (grants),
-- agent proposals, notification webhooks, and the owner (subject) of each token.
-- Same conventions as V1 (epoch-millisecond BIGINT timestamps, BOOLEAN flags); nothing here is
-- SQLite-specific, so the PostgreSQL script can be identical.

-- email keeps the address as entered; email_lower (lower-cased by the application) makes lookups
-- and uniqueness case-insensitive without a dialect-specific collation.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_lower   TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at    BIGINT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE agents (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    services   TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);

-- subject_id is a user or agent id (no foreign key: it may point at either table).
CREATE TABLE grants (
    subject_id TEXT NOT NULL,
    vault_id   TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('proxy', 'member', 'admin')),
    PRIMARY KEY (subject_id, vault_id)
);

CREATE INDEX grants_vault_id ON grants (vault_id);

CREATE TABLE proposals (
    id                TEXT PRIMARY KEY,
    vault_id          TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    body_json         TEXT NOT NULL,
    message           TEXT,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    reviewed_by       TEXT,
    reviewed_at       BIGINT,
    reason            TEXT,
    approval_token_id TEXT,
    flags             TEXT
);

CREATE INDEX proposals_vault_status ON proposals (vault_id, status, created_at);

CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    format          TEXT NOT NULL CHECK (format IN ('json', 'slack')),
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    last_attempt_at BIGINT,
    last_error      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0
);

-- The user or agent a token belongs to (null for tokens created before V2 and for admin tokens).
ALTER TABLE tokens ADD COLUMN subject TEXT;

CREATE INDEX tokens_subject ON tokens (subject);
