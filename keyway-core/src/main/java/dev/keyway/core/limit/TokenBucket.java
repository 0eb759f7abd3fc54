package dev.keyway.core.limit;

/**
 * Token-bucket arithmetic as pure functions over an immutable {@link State}, so the single-node
 * limiter (an atomic reference per bucket) and the shared bucket row of a cluster (compare-and-set
 * in the database) compute exactly the same thing, and a table test covers both.
 *
 * <p>Units: one token is {@link RateLimit#perMillis()} units and the bucket gains
 * {@link RateLimit#requests()} units per elapsed millisecond, up to {@link RateLimit#capacity()}.
 * Integer units make refilling exact however often it is evaluated (no fraction is lost between two
 * close calls). A clock that steps backwards refills nothing and leaves the stamp where it was.
 */
public final class TokenBucket {
    private TokenBucket() {}

    /**
     * @param level units in the bucket, 0 to {@link RateLimit#capacity()}
     * @param atMillis the time {@code level} was computed for (epoch milliseconds)
     */
    public record State(long level, long atMillis) {}

    /**
     * The outcome of {@link #take}.
     *
     * @param state the bucket after the take
     * @param granted tokens taken, 0 to the number asked for
     * @param waitMillis when fewer were granted than asked: milliseconds until the next whole token
     *     is in the bucket; 0 otherwise
     */
    public record Take(State state, long granted, long waitMillis) {}

    /** A full bucket at {@code nowMillis}. */
    public static State full(RateLimit limit, long nowMillis) {
        return new State(limit.capacity(), nowMillis);
    }

    /** The bucket refilled up to {@code nowMillis}. */
    public static State refill(RateLimit limit, State s, long nowMillis) {
        if (nowMillis <= s.atMillis()) {
            return s;
        }
        long elapsed = nowMillis - s.atMillis();
        long cap = limit.capacity();
        if (elapsed >= limit.perMillis()) {
            return new State(cap, nowMillis);
        }
        long level = Math.min(cap, clamp(s.level(), cap) + elapsed * limit.requests());
        return new State(level, nowMillis);
    }

    /** Takes up to {@code want} whole tokens at {@code nowMillis}. */
    public static Take take(RateLimit limit, State s, long nowMillis, long want) {
        State r = refill(limit, s, nowMillis);
        long per = limit.perMillis();
        long available = clamp(r.level(), limit.capacity()) / per;
        long granted = Math.max(0, Math.min(want, available));
        State after = new State(clamp(r.level(), limit.capacity()) - granted * per, r.atMillis());
        long wait = granted < want ? waitForOne(limit, after) : 0;
        return new Take(after, granted, wait);
    }

    /** Puts {@code tokens} back (a request that took one and was not sent after all); never above capacity. */
    public static State giveBack(RateLimit limit, State s, long tokens) {
        long cap = limit.capacity();
        long room = cap - clamp(s.level(), cap);
        long add = Math.min(room, Math.clamp(tokens, 0, limit.requests()) * limit.perMillis());
        return new State(clamp(s.level(), cap) + add, s.atMillis());
    }

    /** Milliseconds until the bucket holds one whole token (0 when it does). */
    public static long waitForOne(RateLimit limit, State s) {
        long deficit = limit.perMillis() - clamp(s.level(), limit.capacity());
        return deficit <= 0 ? 0 : (deficit + limit.requests() - 1) / limit.requests();
    }

    /** {@code Retry-After} in whole seconds: the wait rounded up, at least 1. */
    public static long retryAfterSeconds(long waitMillis) {
        return Math.max(1, (waitMillis + 999) / 1000);
    }

    private static long clamp(long level, long cap) {
        return level < 0 ? 0 : Math.min(level, cap);
    }
}
