package dev.keyway.server;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-client-address token bucket for login attempts: a burst of {@code burst} attempts, refilled
 * at one per {@code refill}. Loopback is not exempt: a local attacker guessing passwords is the
 * threat this exists for. The table is bounded; when full, the oldest buckets are dropped.
 */
public final class LoginThrottle {
    private final Clock clock;
    private final int burst;
    private final Duration refill;
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

    public LoginThrottle(Clock clock, int burst, Duration refill) {
        this.clock = clock;
        this.burst = burst;
        this.refill = refill;
    }

    private record Bucket(double tokens, long atMillis) {}

    /** Takes one attempt; returns 0 if allowed, else the seconds to wait. */
    public long tryAcquire(InetAddress client) {
        long now = clock.millis();
        if (buckets.size() > 10_000) {
            buckets.entrySet().removeIf(e -> now - e.getValue().atMillis() > refill.toMillis() * burst);
        }
        long[] wait = {0};
        buckets.compute(client, (k, b) -> {
            double tokens = b == null ? burst : Math.min(burst, b.tokens() + (now - b.atMillis()) / (double) refill.toMillis());
            if (tokens >= 1) {
                return new Bucket(tokens - 1, now);
            }
            wait[0] = Math.max(1, (long) Math.ceil((1 - tokens) * refill.toSeconds()));
            return new Bucket(tokens, now);
        });
        return wait[0];
    }
}
