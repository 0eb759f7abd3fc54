package dev.keyway.server.source;

import dev.keyway.core.source.FetchPolicy;
import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory values of linked credentials, keyed by (source, reference), and the fetch policy
 * applied to them ({@link FetchPolicy}): fetched on first use, served from memory for the TTL,
 * refreshed in the background once {@link FetchPolicy#REFRESH_AHEAD} of the TTL has passed (only
 * while the value is being used), one fetch in flight per reference, exponential backoff with
 * jitter after failures (at least the store's retry-after), and the last good value served for at
 * most max-stale past the TTL while the source fails. Nothing is ever written to disk. A value
 * whose source states its own lifetime ({@link Fetched#ttl}, an OAuth access token's
 * {@code expires_in}) is used for that lifetime instead of the configured TTL.
 *
 * <p>{@link #lookup} never blocks: it answers from memory, or returns a future that a fetch on
 * {@code executor} completes, or a failure. That is what lets the proxy call it on an event loop.
 * Time comes from the injected {@link Clock}; tests move it instead of sleeping.
 *
 * <p>Bounded: at most {@code maxEntries} references; when full, the least recently used entry is
 * dropped (and its value wiped). Values handed out are copies the caller owns and wipes.
 */
public final class LinkedValues {
    public static final int DEFAULT_MAX_ENTRIES = 4096;

    /** A cache key: a source by name and a reference in it. */
    public record Key(String source, String ref) {}

    /** The result of a lookup. */
    public sealed interface Lookup {}

    /**
     * A usable value (a copy the caller owns); {@code cached} false when this very lookup's fetch
     * produced it, {@code stale} when it is past its TTL (served within max-stale while failing).
     */
    public record Hit(byte[] value, String version, boolean cached, boolean stale) implements Lookup {
        @Override
        public String toString() {
            return "Hit[version=" + version + ", cached=" + cached + ", stale=" + stale + "]";
        }
    }

    /** No usable value yet: the future completes with a {@link Hit} or a {@link Failed} once a fetch ends. */
    public record Pending(CompletableFuture<Lookup> result) implements Lookup {}

    /** No fresh-enough value and the source failed (or is in backoff after failing). */
    public record Failed(SourceFailure failure) implements Lookup {}

    /** Told about every fetch outcome (health, audit); must not throw. */
    public interface Listener {
        void fetched(Key key, @Nullable String version, @Nullable SourceFailure failure);
    }

    /** Per-reference state, guarded by its own monitor. */
    private static final class Entry {
        byte @Nullable [] value;
        String version = "-";
        Instant fetchedAt = Instant.EPOCH;
        /** The value's own lifetime when its source knows it (an OAuth access token's expires_in). */
        @Nullable Duration ttl;
        @Nullable CompletableFuture<Void> inFlight;
        int failures;
        Instant nextAttempt = Instant.EPOCH;
        @Nullable SourceFailure lastFailure;
        volatile Instant lastUsed = Instant.EPOCH;
    }

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder hits = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder misses = new java.util.concurrent.atomic.LongAdder();
    private final Clock clock;
    private final Executor executor;
    private final DoubleSupplier random;
    private final Listener listener;
    private final int maxEntries;

    public LinkedValues(Clock clock, Executor executor, DoubleSupplier random, Listener listener, int maxEntries) {
        this.clock = clock;
        this.executor = executor;
        this.random = random;
        this.listener = listener;
        this.maxEntries = maxEntries;
    }

    /**
     * Answers from memory when a fresh-enough value exists (starting a background refresh when it
     * is due), otherwise starts (or joins) the one fetch of this reference and returns it pending.
     * Never blocks.
     */
    public Lookup lookup(Key key, SecretSource source, Duration ttl, Duration maxStale) {
        Lookup l = lookupUncounted(key, source, ttl, maxStale);
        (l instanceof Hit ? hits : misses).increment();
        return l;
    }

    /** Lookups answered from memory (a fresh value, or a stale one within max-stale while the source fails). */
    public long cacheHits() {
        return hits.sum();
    }

    /** Lookups that had to wait for a fetch, or failed without a usable value. */
    public long cacheMisses() {
        return misses.sum();
    }

    private Lookup lookupUncounted(Key key, SecretSource source, Duration ttl, Duration maxStale) {
        Instant now = clock.instant();
        Entry e = entry(key, now);
        synchronized (e) {
            e.lastUsed = now;
            if (e.value != null) {
                switch (FetchPolicy.freshness(e.fetchedAt, ttlOf(e, ttl), maxStale, now)) {
                    case FRESH -> {
                        return hit(e, true, false);
                    }
                    case REFRESH_DUE -> {
                        if (mayAttempt(e, now)) {
                            start(key, e, source);
                        }
                        return hit(e, true, false);
                    }
                    case STALE -> {
                        if (e.failures > 0 && !mayAttempt(e, now)) {
                            return hit(e, true, true); // failing and backing off: the last good value, within max-stale
                        }
                        CompletableFuture<Void> f = start(key, e, source);
                        return new Pending(f.handle((v, err) -> afterFetch(e, ttl, maxStale, true)));
                    }
                    case EXPIRED -> wipe(e);
                }
            }
            if (e.inFlight == null && !mayAttempt(e, now) && e.lastFailure != null) {
                return new Failed(e.lastFailure);
            }
            CompletableFuture<Void> f = start(key, e, source);
            return new Pending(f.handle((v, err) -> afterFetch(e, ttl, maxStale, false)));
        }
    }

    /** What the waiters of a fetch get once it ends. */
    private Lookup afterFetch(Entry e, Duration ttl, Duration maxStale, boolean hadStale) {
        Instant now = clock.instant();
        synchronized (e) {
            if (e.value != null) {
                FetchPolicy.Freshness f = FetchPolicy.freshness(e.fetchedAt, ttlOf(e, ttl), maxStale, now);
                if (f != FetchPolicy.Freshness.EXPIRED) {
                    boolean stale = f == FetchPolicy.Freshness.STALE;
                    return hit(e, stale || hadStale && e.failures > 0, stale);
                }
            }
            SourceFailure lf = e.lastFailure;
            return new Failed(lf != null ? lf : new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "no value was fetched"));
        }
    }

    /** Drops (and wipes) every value of the source, e.g. when its configuration changed. */
    public void invalidate(String source) {
        invalidateIf(k -> k.source().equals(source));
    }

    /** Drops (and wipes) every value whose key matches, e.g. all the tokens of one version of an OAuth credential. */
    public void invalidateIf(java.util.function.Predicate<Key> which) {
        for (Map.Entry<Key, Entry> me : entries.entrySet()) {
            if (which.test(me.getKey()) && entries.remove(me.getKey(), me.getValue())) {
                synchronized (me.getValue()) {
                    wipe(me.getValue());
                }
            }
        }
    }

    /** Drops (and wipes) one value, e.g. an OAuth credential that was re-authorized. */
    public void invalidate(Key key) {
        Entry e = entries.remove(key);
        if (e != null) {
            synchronized (e) {
                wipe(e);
            }
        }
    }

    private static Duration ttlOf(Entry e, Duration configured) {
        Duration own = e.ttl;
        return own != null ? own : configured;
    }

    /** Wipes and drops everything. */
    public void clear() {
        for (Key k : entries.keySet()) {
            Entry e = entries.remove(k);
            if (e != null) {
                synchronized (e) {
                    wipe(e);
                }
            }
        }
    }

    int size() {
        return entries.size();
    }

    private Entry entry(Key key, Instant now) {
        Entry e = entries.get(key);
        if (e != null) {
            return e;
        }
        if (entries.size() >= maxEntries) {
            entries.entrySet().stream().min(Comparator.comparing(me -> me.getValue().lastUsed)).ifPresent(me -> {
                if (entries.remove(me.getKey(), me.getValue())) {
                    synchronized (me.getValue()) {
                        wipe(me.getValue());
                    }
                }
            });
        }
        return entries.computeIfAbsent(key, k -> new Entry());
    }

    private static boolean mayAttempt(Entry e, Instant now) {
        return e.inFlight == null && !now.isBefore(e.nextAttempt);
    }

    /** Starts the fetch of {@code key} unless one is in flight (single-flight); caller holds e's monitor. */
    private CompletableFuture<Void> start(Key key, Entry e, SecretSource source) {
        CompletableFuture<Void> running = e.inFlight;
        if (running != null) {
            return running;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        e.inFlight = f;
        try {
            executor.execute(() -> fetch(key, e, source, f));
        } catch (RuntimeException rejected) {
            e.inFlight = null;
            f.complete(null);
            record(key, e, null, new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the fetch could not be started"));
        }
        return f;
    }

    private void fetch(Key key, Entry e, SecretSource source, CompletableFuture<Void> done) {
        Fetched got = null;
        SourceFailure failure = null;
        try {
            got = source.fetch(key.ref());
            if (got.value().length == 0) {
                failure = new SourceFailure(SourceFailure.Kind.BAD_VALUE, "the value is empty");
            }
        } catch (SourceFailure sf) {
            failure = sf;
        } catch (RuntimeException re) {
            failure = new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "unexpected " + re.getClass().getSimpleName());
        }
        try {
            record(key, e, failure == null ? got : null, failure);
        } finally {
            if (got != null) {
                Arrays.fill(got.value(), (byte) 0);
            }
            done.complete(null);
        }
    }

    private void record(Key key, Entry e, @Nullable Fetched got, @Nullable SourceFailure failure) {
        Instant now = clock.instant();
        synchronized (e) {
            e.inFlight = null;
            if (got != null) {
                wipe(e);
                e.value = got.value().clone();
                e.version = got.version();
                e.ttl = got.ttl();
                e.fetchedAt = now;
                e.failures = 0;
                e.nextAttempt = Instant.EPOCH;
                e.lastFailure = null;
            } else if (failure != null) {
                e.failures++;
                e.lastFailure = failure;
                e.nextAttempt = now.plus(FetchPolicy.backoff(e.failures, failure.retryAfter(), random.getAsDouble()));
            }
        }
        listener.fetched(key, got == null ? null : got.version(), failure);
    }

    private static Hit hit(Entry e, boolean cached, boolean stale) {
        byte[] v = e.value;
        if (v == null) {
            throw new IllegalStateException("no value");
        }
        return new Hit(v.clone(), e.version, cached, stale);
    }

    private static void wipe(Entry e) {
        byte[] v = e.value;
        if (v != null) {
            Arrays.fill(v, (byte) 0);
        }
        e.value = null;
    }
}
