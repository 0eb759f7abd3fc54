package dev.keyway.server.limit;

import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.limit.TokenBucket;
import dev.keyway.store.LimitRecord;
import java.time.Clock;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Exact buckets for a single node: each limit's bucket is an {@link AtomicReference} to an
 * immutable {@link TokenBucket.State}, updated by compare-and-set with the pure
 * {@link TokenBucket#take}, so N concurrent requests on a fresh bucket of N get exactly N tokens.
 * The buckets live in memory: a restart starts every bucket full, and so does changing a limit's
 * rate (a new bucket).
 */
public final class LocalBuckets implements Buckets {
    private final Clock clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private record Bucket(RateLimit rate, AtomicReference<TokenBucket.State> state) {}

    public LocalBuckets(Clock clock) {
        this.clock = clock;
    }

    private Bucket bucket(LimitRecord l) {
        Bucket b = buckets.get(l.id());
        if (b == null || !b.rate().equals(l.rate())) {
            Bucket fresh = new Bucket(l.rate(), new AtomicReference<>(TokenBucket.full(l.rate(), clock.millis())));
            b = buckets.compute(l.id(), (id, old) -> old != null && old.rate().equals(l.rate()) ? old : fresh);
        }
        return b;
    }

    @Override
    public Take take(LimitRecord limit) {
        Bucket b = bucket(limit);
        while (true) {
            TokenBucket.State s = b.state().get();
            TokenBucket.Take t = TokenBucket.take(b.rate(), s, clock.millis(), 1);
            if (b.state().compareAndSet(s, t.state())) {
                return t.granted() == 1 ? Take.GRANTED : new Take(false, t.waitMillis());
            }
        }
    }

    @Override
    public void giveBack(LimitRecord limit) {
        Bucket b = buckets.get(limit.id());
        if (b != null && b.rate().equals(limit.rate())) {
            b.state().updateAndGet(s -> TokenBucket.giveBack(b.rate(), s, 1));
        }
    }

    @Override
    public void sync(Collection<LimitRecord> limits) {
        Set<String> ids = limits.stream().map(LimitRecord::id).collect(Collectors.toSet());
        buckets.keySet().retainAll(ids);
    }
}
