package dev.keyway.server.http;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts open connections in total and per client address, and admits a new one only while both
 * counts are under their limits. Thread-safe (one lock: admissions are rare next to requests). Each
 * {@link Admission#ADMITTED} must be paired with exactly one {@link #release}; a refused connection
 * is never counted.
 *
 * <p>The proxy listener has its own limiter for now; both are candidates for one shared class.
 */
public final class ConnectionLimiter {
    /** The outcome of {@link #tryAdmit}. */
    public enum Admission {
        ADMITTED,
        /** This address already holds its share of connections. */
        TOO_MANY_FROM_ADDRESS,
        /** The listener is full. */
        TOO_MANY_TOTAL
    }

    private final int maxTotal;
    private final int maxPerAddress;
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private int total;

    public ConnectionLimiter(int maxTotal, int maxPerAddress) {
        if (maxTotal < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1");
        }
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /** Admits (and counts) a connection from {@code address}, or says which limit refuses it. */
    public synchronized Admission tryAdmit(InetAddress address) {
        int mine = perAddress.getOrDefault(address, 0);
        if (mine >= maxPerAddress) {
            return Admission.TOO_MANY_FROM_ADDRESS;
        }
        if (total >= maxTotal) {
            return Admission.TOO_MANY_TOTAL;
        }
        perAddress.put(address, mine + 1);
        total++;
        return Admission.ADMITTED;
    }

    /** Forgets one admitted connection from {@code address}. */
    public synchronized void release(InetAddress address) {
        Integer mine = perAddress.get(address);
        if (mine == null) {
            throw new IllegalStateException("release without admission for " + address);
        }
        if (mine == 1) {
            perAddress.remove(address);
        } else {
            perAddress.put(address, mine - 1);
        }
        total--;
    }

    /** Open connections counted now (for tests and status). */
    public synchronized int open() {
        return total;
    }
}
