-- Keyway schema: the cluster-wide audit table (issue 11, "audit in a cluster"). Each node keeps
-- writing its durable local audit segment first (the commit point: a credential leaves only after
-- its decision record is on the node's disk) and a shipper copies the records, exactly as written
-- (chain value included), into this table in bounded batches. Queries of a PostgreSQL cluster read
-- it, so every node shows every node's records. A single SQLite node never writes it (its queries
-- read the local file), but both dialects keep one schema. Portable SQL.

CREATE TABLE audit_records (
    -- the node that wrote the record, and the record's seq in that node's local log
    node   TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    -- cluster-wide order of arrival: assigned under a transaction-scoped advisory lock, so ids
    -- commit in increasing order and a reader polling "id > last" never skips a late commit
    id     BIGINT NOT NULL UNIQUE,
    -- the record's ts (epoch milliseconds) and the fields queries filter on, copied from the record
    ts     BIGINT NOT NULL,
    type   TEXT,
    vault  TEXT,
    actor  TEXT,
    action TEXT,
    -- the line exactly as the node wrote it (JSON, UTF-8), chain value included
    record TEXT NOT NULL,
    PRIMARY KEY (node, seq)
);

CREATE INDEX audit_records_ts ON audit_records (ts);
CREATE INDEX audit_records_type_id ON audit_records (type, id);
CREATE INDEX audit_records_vault_id ON audit_records (vault, id);

-- How far each node has shipped (the last seq of its local log now in audit_records). Updated in
-- the same transaction as the records, so a node killed at any point resumes exactly after what
-- the database holds; retention deleting old records does not move it back.
CREATE TABLE audit_ship_cursor (
    node TEXT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    at   BIGINT NOT NULL
);
