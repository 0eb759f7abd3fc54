package dev.keyway.core.limit;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits or refuses a new connection against {@link ConnectionLimits}, counting what it refuses.
 * Every admitted connection must be {@link #release released} exactly once when it closes. Memory is
 * bounded by the open connections: an address's entry disappears with its last connection.
 * Thread-safe (accepts happen on several event loops); no I/O, so any listener can use it.
 */
public final class ConnectionLimiter {
    /** The outcome of one admission. */
    public enum Admission {
        ADMITTED,
        /** The client address already holds {@code maxPerAddress} connections. */
        REFUSED_PER_ADDRESS,
        /** The listener already holds {@code maxTotal} connections. */
        REFUSED_TOTAL;

        public boolean admitted() {
            return this == ADMITTED;
        }
    }

    private final ConnectionLimits limits;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    public ConnectionLimiter(ConnectionLimits limits) {
        this.limits = limits;
    }

    public ConnectionLimits limits() {
        return limits;
    }

    /** Admits a connection from {@code client} (then {@link #release} it on close) or refuses it. */
    public Admission tryAcquire(InetAddress client) {
        if (total.incrementAndGet() > limits.maxTotal()) {
            total.decrementAndGet();
            refused.incrementAndGet();
            return Admission.REFUSED_TOTAL;
        }
        boolean[] ok = {false};
        perAddress.compute(client, (k, n) -> {
            int cur = n == null ? 0 : n;
            if (cur >= limits.maxPerAddress()) {
                return n;
            }
            ok[0] = true;
            return cur + 1;
        });
        if (!ok[0]) {
            total.decrementAndGet();
            refused.incrementAndGet();
            return Admission.REFUSED_PER_ADDRESS;
        }
        return Admission.ADMITTED;
    }

    /** A connection admitted for {@code client} closed. */
    public void release(InetAddress client) {
        perAddress.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }

    /** Connections currently admitted. */
    public int open() {
        return total.get();
    }

    /** Connections currently admitted from {@code client}. */
    public int open(InetAddress client) {
        return perAddress.getOrDefault(client, 0);
    }

    /** Connections refused since start. */
    public long refused() {
        return refused.get();
    }
}
