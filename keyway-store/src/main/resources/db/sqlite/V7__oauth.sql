-- Keyway schema v7: OAuth-minted credentials (issue 12). An OAuth credential is a credentials row
-- linked to the reserved source '@oauth' (no value stored: its value is the current access token,
-- minted on use and kept in memory only) plus this row: how to mint (grant, token endpoint, client
-- id, non-secret settings) and the secrets it mints with. Portable SQL (BLOB becomes BYTEA).

CREATE TABLE oauth_credentials (
    vault_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    grant_type      TEXT NOT NULL,
    token_url       TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    -- non-secret settings, a JSON object (scopes, audience, auth_method)
    settings_json   TEXT NOT NULL,
    -- {"client_secret": ..., "refresh_token": ...} AES-GCM sealed with the vault's data key exactly
    -- like a credential value, bound to (vault id, name, secrets_version); replaced atomically
    -- (compare-and-set on secrets_version) when the authorization server rotates the refresh token
    secrets         BLOB NOT NULL,
    secrets_version INTEGER NOT NULL,
    -- 'ok' or 'broken' (the authorization server rejected the grant or the client: re-authorize)
    state           TEXT NOT NULL,
    state_detail    TEXT,
    state_at        BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (vault_id, name),
    FOREIGN KEY (vault_id, name) REFERENCES credentials (vault_id, name) ON DELETE CASCADE
);
