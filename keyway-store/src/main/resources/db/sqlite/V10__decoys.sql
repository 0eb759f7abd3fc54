-- Keyway schema: decoy credentials (issue 13 §7). A decoy is a planted value, shaped like a
-- real key and bound to no service: the proxy refuses and alerts on any request that carries it.
-- The value is bait, not a secret (agents are given it), so it is stored in clear; the proxy
-- keeps every vault's decoys in memory to recognise them. Portable SQL (same as PostgreSQL).

CREATE TABLE decoys (
    vault_id      TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    value         TEXT NOT NULL,
    -- the catalog template whose shape it imitates, or NULL for a plain value
    like_template TEXT,
    revoke_on_use BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    PRIMARY KEY (vault_id, name)
);
