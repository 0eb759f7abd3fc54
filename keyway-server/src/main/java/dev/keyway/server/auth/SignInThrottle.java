package dev.keyway.server.auth;

import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.limit.TokenBucket;
import dev.keyway.store.Store;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The per-client-address throttle of password sign-in, password changes and the first-run setup
 * code, kept in the {@link Store} rather than in memory: on a PostgreSQL cluster every node takes
 * from the same bucket, so a load balancer spreading one guessing client over N nodes gives it the
 * budget of one node, not N times that (issue 11). On a single SQLite node the bucket is simply in
 * its database. Only failed attempts count in the end: the caller takes an attempt before checking
 * (so concurrent guesses cannot all pass a check-then-count race) and {@link #refund}s it when the
 * password or code was right.
 *
 * <p>Sign-in is not the proxy path: the proxy's failed-authentication throttle stays in memory.
 * A store outage fails closed (the attempt is refused with 503 {@code store-unavailable}, as the
 * password check itself needs the store).
 */
public final class SignInThrottle {
    /** Ten attempts at once, then one every 6 s, per client address (the in-memory throttle's old budget). */
    public static final RateLimit DEFAULT = new RateLimit(10, Duration.ofMinutes(1));

    private final Store store;
    private final String purpose;
    private final RateLimit rate;

    /**
     * @param purpose names the budget ({@code login}, {@code setup}): different purposes do not share
     *     attempts
     */
    public SignInThrottle(Store store, String purpose, RateLimit rate) {
        this.store = Objects.requireNonNull(store, "store");
        if (purpose.isEmpty() || purpose.contains(":")) {
            throw new IllegalArgumentException("purpose must be a non-empty word without ':'");
        }
        this.purpose = purpose;
        this.rate = Objects.requireNonNull(rate, "rate");
    }

    /** Takes one attempt for {@code client}: 0 when allowed, else the whole seconds to wait (for {@code Retry-After}). */
    public long tryAcquire(InetAddress client) {
        long waitMillis = store.takeThrottleAttempt(bucket(client), rate);
        return waitMillis == 0 ? 0 : TokenBucket.retryAfterSeconds(waitMillis);
    }

    /** Gives back the attempt of a sign-in that succeeded: only failures use up the budget. */
    public void refund(InetAddress client) {
        store.refundThrottleAttempt(bucket(client), rate);
    }

    /** The stored bucket's name: purpose and address, e.g. {@code login:203.0.113.7}. */
    String bucket(InetAddress client) {
        return purpose + ":" + client.getHostAddress();
    }
}
