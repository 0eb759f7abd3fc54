package dev.keyway.core.limit;

/**
 * How many connections a listener holds open at once: in total and per client address. The
 * per-address limit stops one client (e.g. thousands of idle, unauthenticated sockets) from using
 * up the whole budget; the global one bounds file descriptors and memory.
 *
 * @param maxTotal open connections accepted in total (at least 1)
 * @param maxPerAddress open connections accepted from one client address (1..maxTotal)
 */
public record ConnectionLimits(int maxTotal, int maxPerAddress) {
    /** Defaults for a listener serving local agents: 4096 in total, 1024 per address. */
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(4096, 1024);

    public ConnectionLimits {
        if (maxTotal < 1 || maxPerAddress < 1 || maxPerAddress > maxTotal) {
            throw new IllegalArgumentException("invalid connection limits: total " + maxTotal + ", per address "
                    + maxPerAddress + " (need 1 <= per address <= total)");
        }
    }
}
