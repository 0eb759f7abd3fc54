/**
 * Rate limits on the proxy (issue 12 §4): which limits a request counts against
 * ({@link dev.keyway.server.limit.RequestScope}), the token buckets behind them (in memory on a
 * single node, leased in batches from the database's shared bucket in a cluster) and the policy
 * wrapper that answers 429 {@code rate-limited} before anything is forwarded.
 */
@NullMarked
package dev.keyway.server.limit;

import org.jspecify.annotations.NullMarked;
