package dev.keyway.server.http;

import dev.keyway.core.limit.ConnectionLimits;
import java.time.Duration;

/**
 * What bounds the control-plane listener, so a slow or greedy client cannot hold it: how many
 * connections it keeps open in total and per client address, and how long a request's headers may
 * take to arrive once its first byte has (slowloris).
 *
 * @param maxConnections open connections across all clients; more are answered 429 and closed
 * @param maxConnectionsPerAddress open connections from one IP address; more are answered 429 and closed
 * @param headerTimeout time allowed for a request head after its first byte; then 408 and close
 */
public record ListenerLimits(int maxConnections, int maxConnectionsPerAddress, Duration headerTimeout) {
    /**
     * Generous for a local control plane (the CLI, a browser and a few agents share one loopback
     * address), small enough that idle sockets cannot exhaust file descriptors.
     */
    public static final ListenerLimits DEFAULTS = new ListenerLimits(1024, 256, Duration.ofSeconds(10));

    public ListenerLimits {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, not " + maxConnections);
        }
        if (maxConnectionsPerAddress < 1 || maxConnectionsPerAddress > maxConnections) {
            throw new IllegalArgumentException("maxConnectionsPerAddress must be between 1 and maxConnections ("
                    + maxConnections + "), not " + maxConnectionsPerAddress);
        }
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("headerTimeout must be positive, not " + headerTimeout);
        }
    }

    /** The connection caps, enforced by the same limiter as the proxy listener's. */
    public ConnectionLimits connections() {
        return new ConnectionLimits(maxConnections, maxConnectionsPerAddress);
    }
}
