-- Keyway schema v3 (SQLite): AWS grants. A grant lets a vault's agents use an IAM role that
-- Keyway assumes with STS, either by handing short-lived credentials to the SDK through
-- credential_process, or by re-signing requests inside the proxy (sign mode). Typed columns, not
-- JSON, so the schema documents the configuration. Portable SQL (same as PostgreSQL).

CREATE TABLE aws_grants (
    id              TEXT PRIMARY KEY,
    vault_id        TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    role_arn        TEXT NOT NULL,
    region          TEXT NOT NULL,
    session_seconds INTEGER NOT NULL CHECK (session_seconds BETWEEN 900 AND 43200),
    external_id     TEXT,
    session_policy  TEXT,
    mode            TEXT NOT NULL CHECK (mode IN ('credential-process', 'sign')),
    -- sign mode: the hosts the grant re-signs for, one HOST[:PORT] or *.SUFFIX[:PORT] per line;
    -- NULL means the defaults (*.amazonaws.com, *.api.aws)
    hosts           TEXT,
    allow_private   BOOLEAN NOT NULL DEFAULT FALSE,
    -- prefix of a vault credential pair (PREFIX_ACCESS_KEY_ID, PREFIX_SECRET_ACCESS_KEY, optional
    -- PREFIX_SESSION_TOKEN) used to call STS instead of the server's own AWS credential chain
    host_credential TEXT,
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    UNIQUE (vault_id, name)
);
