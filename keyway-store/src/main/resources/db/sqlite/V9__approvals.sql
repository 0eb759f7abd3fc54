-- Keyway schema v9: per-request human approval (issue 12 §3). One row per request a proxy node
-- holds for a human: the node that holds it inserts it PENDING, any node's API may decide it (a
-- compare-and-set out of PENDING), and the holding node learns the decision by re-reading the row.
-- An approval given "for" a while is the same row with approved_until set: later requests of the
-- same token, service, method and path go through without asking until then. Portable SQL.
-- No secret is stored: the path is the client's own path without its query (before injection).

CREATE TABLE approvals (
    id             TEXT PRIMARY KEY,
    vault_id       TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'timed_out', 'cancelled')),
    token_id       TEXT NOT NULL,
    actor          TEXT NOT NULL,
    service        TEXT NOT NULL,
    method         TEXT NOT NULL,
    host           TEXT NOT NULL,
    path           TEXT NOT NULL,
    body_bytes     BIGINT NOT NULL,
    node           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    decided_by     TEXT,
    decided_at     BIGINT,
    reason         TEXT,
    approved_until BIGINT
);

CREATE INDEX approvals_state ON approvals (state, vault_id, created_at);
CREATE INDEX approvals_standing ON approvals (token_id, service, method, path, approved_until);
