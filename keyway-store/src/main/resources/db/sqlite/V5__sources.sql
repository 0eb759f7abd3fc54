-- Keyway schema v5 (SQLite): credential sources (issue 10). A source is a configured connection
-- to an external secret store; a linked credential names a source and a reference in it and
-- has no value in this database (its ciphertext is empty). Portable SQL (same as PostgreSQL):
-- TEXT/BIGINT/INTEGER columns and plain ALTER TABLE ... ADD COLUMN.

CREATE TABLE sources (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    type           TEXT NOT NULL,
    -- non-secret settings, a JSON object of strings (addr, namespace, kv, command, ...)
    settings_json  TEXT NOT NULL,
    -- the secrets the source authenticates with (a JSON object of strings), AES-GCM sealed with the
    -- default vault's data key exactly like a credential value; NULL when the source needs none
    secrets        BLOB,
    secrets_version INTEGER NOT NULL,
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);

ALTER TABLE credentials ADD COLUMN source_name TEXT;
ALTER TABLE credentials ADD COLUMN source_ref TEXT;
ALTER TABLE credentials ADD COLUMN ttl_seconds BIGINT;
ALTER TABLE credentials ADD COLUMN max_stale_seconds BIGINT;
