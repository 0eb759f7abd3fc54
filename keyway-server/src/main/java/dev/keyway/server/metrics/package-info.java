/**
 * Prometheus metrics: counts taken at the server-side boundaries of the proxy (the audit sink, the
 * policy, the TLS leaf cache, the connection limiter) and of the audit writer, exposed at
 * {@code GET /metrics} (owner) and on the optional {@code --metrics-addr} listener.
 */
@NullMarked
package dev.keyway.server.metrics;

import org.jspecify.annotations.NullMarked;
