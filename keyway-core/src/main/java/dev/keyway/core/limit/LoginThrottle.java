package dev.keyway.core.limit;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-client-address token bucket for login attempts (the API's password login, the web console's
 * setup code, and failed proxy authentication): a burst of {@code burst} attempts, refilled at one
 * per {@code refill}. Loopback is not exempt: a local attacker guessing passwords or tokens is the
 * threat this exists for. The table is bounded; when full, the oldest buckets are dropped.
 */
public final class LoginThrottle {
    /** Buckets kept before idle ones are swept. */
    static final int MAX_BUCKETS = 10_000;

    private final Clock clock;
    private final int burst;
    private final Duration refill;
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

    public LoginThrottle(Clock clock, int burst, Duration refill) {
        if (burst < 1 || refill.isNegative() || refill.isZero()) {
            throw new IllegalArgumentException("invalid throttle: burst " + burst + ", refill " + refill);
        }
        this.clock = clock;
        this.burst = burst;
        this.refill = refill;
    }

    private record Bucket(double tokens, long atMillis) {}

    /** Takes one attempt; returns 0 if allowed, else the seconds to wait. */
    public long tryAcquire(InetAddress client) {
        long now = clock.millis();
        if (buckets.size() >= MAX_BUCKETS && !buckets.containsKey(client)) {
            evict(now);
        }
        long[] wait = {0};
        buckets.compute(client, (k, b) -> {
            double tokens = tokens(b, now);
            if (tokens >= 1) {
                return new Bucket(tokens - 1, now);
            }
            wait[0] = waitSeconds(tokens);
            return new Bucket(tokens, now);
        });
        return wait[0];
    }

    /**
     * Whether an attempt would be refused now, without taking one: 0 if allowed, else the seconds to
     * wait. For callers that charge only failed attempts (the proxy must not slow down valid tokens).
     */
    public long retryAfter(InetAddress client) {
        Bucket b = buckets.get(client);
        if (b == null) {
            return 0;
        }
        double tokens = tokens(b, clock.millis());
        return tokens >= 1 ? 0 : waitSeconds(tokens);
    }

    private double tokens(@org.jspecify.annotations.Nullable Bucket b, long now) {
        return b == null ? burst : Math.min(burst, b.tokens() + (now - b.atMillis()) / (double) refill.toMillis());
    }

    private long waitSeconds(double tokens) {
        return Math.max(1, (long) Math.ceil((1 - tokens) * refill.toSeconds()));
    }

    /** Drops full buckets (nothing to remember), then, if still full, the least recently used tenth. */
    private synchronized void evict(long now) {
        buckets.entrySet().removeIf(e -> now - e.getValue().atMillis() > refill.toMillis() * burst);
        if (buckets.size() >= MAX_BUCKETS) {
            buckets.entrySet().stream()
                    .sorted(java.util.Comparator.comparingLong(e -> e.getValue().atMillis()))
                    .limit(buckets.size() - MAX_BUCKETS * 9L / 10)
                    .map(java.util.Map.Entry::getKey)
                    .toList()
                    .forEach(buckets::remove);
        }
    }

    /** Addresses currently tracked (bounded by {@link #MAX_BUCKETS} plus one sweep's worth). */
    int size() {
        return buckets.size();
    }
}
