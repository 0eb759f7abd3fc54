-- Keyway schema v13 (SQLite and PostgreSQL, portable SQL).
--
-- github_run_scopes: per-run narrowing of GitHub App installation tokens (issue 12 §1). A run
-- ('keyway run --github-repos owner/a --github-permissions contents:read -- CMD') binds repositories
-- and permissions to its own token, so every github-app credential injected for that token uses an
-- installation token minted with them (POST /app/installations/{id}/access_tokens with
-- {"repositories":[...],"permissions":{...}}). One narrowing per token, set once; it goes with the
-- token. Read into every node's snapshot, so it survives a restart and reaches every cluster node.
CREATE TABLE github_run_scopes (
    token_id          TEXT PRIMARY KEY REFERENCES tokens (id) ON DELETE CASCADE,
    -- repositories as a JSON array of "owner/name" or "name", NULL for none (all the installation's)
    repositories_json TEXT,
    -- permissions as a JSON object (permission -> read|write|admin), NULL for the installation's own
    permissions_json  TEXT,
    created_at        BIGINT NOT NULL
);

-- vault_minted_tokens: the Vault tokens a hashicorp-vault source minted while healing a clobbered
-- token file (issue 10), by accessor (not a secret: it cannot authenticate), so the sweep of stale
-- ones after a later heal also revokes those minted before a restart, or by another node. Keyed by
-- the source's name, like the display name Vault gives them (token-keyway-SOURCE).
CREATE TABLE vault_minted_tokens (
    source         TEXT NOT NULL,
    accessor       TEXT NOT NULL,
    token_type     TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    -- sorted comma-separated policies without 'default'
    policies       TEXT NOT NULL,
    period_seconds BIGINT,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (source, accessor)
);
