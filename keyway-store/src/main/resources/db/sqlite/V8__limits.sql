-- Keyway schema v8: rate limits (issue 12 §4). A limit is a token bucket (requests per per_ms) over
-- the requests of one vault, narrowed by any of service, agent, token and credential (NULL: any).
-- scope_key is the narrowing as one non-NULL string, so "one limit per scope" is a plain UNIQUE
-- constraint on both dialects (UNIQUE treats NULLs as distinct). bucket_level/bucket_at are the
-- shared bucket a cluster's nodes lease tokens from (compare-and-set on both columns); a single
-- node keeps its buckets in memory and never reads them. Portable SQL.

CREATE TABLE limits (
    id           TEXT PRIMARY KEY,
    vault_id     TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    service      TEXT,
    agent_id     TEXT REFERENCES agents (id) ON DELETE CASCADE,
    token_id     TEXT REFERENCES tokens (id) ON DELETE CASCADE,
    credential   TEXT,
    scope_key    TEXT NOT NULL,
    requests     BIGINT NOT NULL CHECK (requests BETWEEN 1 AND 1000000),
    per_ms       BIGINT NOT NULL CHECK (per_ms BETWEEN 1000 AND 2678400000),
    -- token-bucket state in TokenBucket units (one token = per_ms units), as of bucket_at (epoch ms)
    bucket_level BIGINT NOT NULL,
    bucket_at    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (vault_id, scope_key)
);
