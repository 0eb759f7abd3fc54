-- Keyway schema: the sign-in throttle (issue 11: "the login throttle is cluster-wide"). One token
-- bucket per (purpose, client address), e.g. 'login:203.0.113.7', shared by every node of a
-- cluster, so N nodes behind a load balancer give a password-guessing client the budget of one.
-- Only changed by compare-and-set on (level, at) in auto-commit, like the limits' shared buckets
-- (V8). A bucket untouched for its rate's whole window is full again, the same as no row: from
-- expires on it is deleted (whenever a new bucket is added), so the table holds only the clients
-- seen within the last window. Written by sign-in attempts only, never by the proxy path.
-- Portable SQL.

CREATE TABLE login_throttle (
    bucket TEXT PRIMARY KEY,
    -- token-bucket state in TokenBucket units, as of at (epoch ms)
    level  BIGINT NOT NULL,
    at     BIGINT NOT NULL,
    -- at + the rate's window: from then on the bucket is full, so the row can go
    expires BIGINT NOT NULL
);

CREATE INDEX login_throttle_expires ON login_throttle (expires);
