package dev.keyway.core.source;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The fetch policy of linked credentials as pure functions of time, so it is tested with tables
 * and a moved clock rather than sleeps.
 *
 * <ul>
 *   <li>A value is <b>fresh</b> for {@code ttl} after it was fetched. From {@link #REFRESH_AHEAD}
 *       of the way through its TTL, a use triggers a background refresh (the request is served
 *       from the cache and does not wait).</li>
 *   <li>Past the TTL the value is <b>stale</b>: served only while within {@code maxStale} after
 *       the TTL (default 0, i.e. never), and only while a fetch is failing; otherwise the request
 *       waits for a fetch (or fails closed if that fails).</li>
 *   <li>After a failure, no new fetch starts before the backoff has passed: exponential from
 *       {@link #BACKOFF_BASE} to {@link #BACKOFF_MAX} with jitter, and never sooner than the
 *       store's own retry-after.</li>
 * </ul>
 */
public final class FetchPolicy {
    /** Fraction of the TTL after which a use refreshes in the background. */
    public static final double REFRESH_AHEAD = 0.75;
    public static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    public static final Duration BACKOFF_MAX = Duration.ofMinutes(5);
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    public static final Duration MAX_TTL = Duration.ofDays(1);
    public static final Duration MAX_STALE = Duration.ofDays(7);

    private FetchPolicy() {}

    /** How a cached value may be used at {@code now}. */
    public enum Freshness {
        /** Serve it; nothing else to do. */
        FRESH,
        /** Serve it and refresh in the background (past {@link #REFRESH_AHEAD} of the TTL). */
        REFRESH_DUE,
        /** Past the TTL but within max-stale: serve only if the refresh fails. */
        STALE,
        /** Past TTL + max-stale: never serve. */
        EXPIRED
    }

    public static Freshness freshness(Instant fetchedAt, Duration ttl, Duration maxStale, Instant now) {
        Duration age = Duration.between(fetchedAt, now);
        if (age.isNegative()) {
            return Freshness.FRESH; // the clock went back: the value is as fresh as it can be
        }
        if (age.compareTo(ttl) < 0) {
            long refreshAfterMillis = (long) (ttl.toMillis() * REFRESH_AHEAD);
            return age.toMillis() >= refreshAfterMillis ? Freshness.REFRESH_DUE : Freshness.FRESH;
        }
        return age.compareTo(ttl.plus(maxStale)) < 0 ? Freshness.STALE : Freshness.EXPIRED;
    }

    /**
     * The wait before the next attempt after {@code failures} consecutive failures (1 = the first):
     * {@code min(MAX, BASE * 2^(failures-1))}, scaled by a jitter in [0.5, 1] ({@code random01} in
     * [0, 1)), and at least the store's {@code retryAfter}.
     */
    public static Duration backoff(int failures, @Nullable Duration retryAfter, double random01) {
        if (failures < 1) {
            return Duration.ZERO;
        }
        long base = BACKOFF_BASE.toMillis();
        long max = BACKOFF_MAX.toMillis();
        long exp = failures >= 30 ? max : Math.min(max, base << (failures - 1));
        double jitter = 0.5 + 0.5 * Math.max(0, Math.min(1, random01));
        Duration d = Duration.ofMillis((long) (exp * jitter));
        if (retryAfter != null && retryAfter.compareTo(d) > 0) {
            return retryAfter.compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : retryAfter;
        }
        return d;
    }
}
