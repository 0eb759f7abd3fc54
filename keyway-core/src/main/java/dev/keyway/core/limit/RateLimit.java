package dev.keyway.core.limit;

import dev.keyway.core.error.KeywayException;
import java.time.Duration;

/**
 * A rate: at most {@code requests} per {@code per}, as a token bucket that holds up to
 * {@code requests} tokens and refills continuously at {@code requests / per}. Bounded so the
 * bucket's integer arithmetic ({@link TokenBucket}) cannot overflow: 1 to 1,000,000 requests per
 * 1 second to 31 days, in whole seconds.
 *
 * @param requests bucket capacity, the burst a fresh bucket allows
 * @param per the window in which {@code requests} tokens refill
 */
public record RateLimit(long requests, Duration per) {
    public static final long MAX_REQUESTS = 1_000_000;
    public static final Duration MIN_PER = Duration.ofSeconds(1);
    public static final Duration MAX_PER = Duration.ofDays(31);

    public RateLimit {
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw KeywayException.validation("requests", "must be between 1 and " + MAX_REQUESTS + ", not " + requests);
        }
        if (per.compareTo(MIN_PER) < 0 || per.compareTo(MAX_PER) > 0) {
            throw KeywayException.validation("per", "must be between 1s and 31d");
        }
        if (per.toNanos() % 1_000_000_000 != 0) {
            throw KeywayException.validation("per", "must be a whole number of seconds");
        }
    }

    /** The window in milliseconds. */
    public long perMillis() {
        return per.toMillis();
    }

    /**
     * The bucket's capacity in {@link TokenBucket} units: one token is {@link #perMillis()} units
     * and the bucket refills {@link #requests()} units per millisecond, so refilling is exact
     * integer arithmetic (at most 1e6 × 2.7e9 ≈ 2.7e15).
     */
    public long capacity() {
        return requests * perMillis();
    }
}
