-- Keyway schema v6: the change log. Every write that changes what a node enforces appends one row
-- in its own transaction, keyed by the revision counter's new value. Nodes of a PostgreSQL cluster
-- apply everything after the last id they have seen (a NOTIFY carries the new id; a poll of
-- max(id) catches what a broken LISTEN missed). A single SQLite node writes it too, so both
-- dialects keep one schema. Old rows are pruned by the store. Portable SQL.

CREATE TABLE change_log (
    id BIGINT PRIMARY KEY,
    op TEXT NOT NULL,
    at BIGINT NOT NULL
);
