package dev.keyway.server.limit;

import dev.keyway.core.limit.RateLimit;
import dev.keyway.store.LimitRecord;
import dev.keyway.store.Store;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets of a cluster node: the limit's one bucket is the row in the shared database, and each
 * node holds a small pool of tokens leased from it ({@link Store#leaseLimitTokens}, a
 * compare-and-set). A request takes a token from the local pool (an atomic decrement, no I/O); when
 * the pool falls to half a batch, one lease per limit tops it up on {@code executor}, off the event
 * loop. A token is only ever spent once across the cluster, so the nodes together never forward
 * more than the bucket allows; the price is that up to one batch per node can sit leased but
 * unused, and a request that finds its node's pool empty while a lease is in flight is refused
 * (429) even if the shared bucket still has tokens. See docs/proxy.md, "Rate limits".
 */
public final class LeasedBuckets implements Buckets {
    private static final Logger log = LoggerFactory.getLogger(LeasedBuckets.class);

    /** Largest batch a node leases at once. */
    static final long MAX_BATCH = 50;
    /** Wait reported while the node has no answer from the database yet. */
    static final long UNKNOWN_WAIT_MILLIS = 1000;

    /** Longest a node waits before asking an empty shared bucket again (a limit set again refills it). */
    static final long MAX_BACKOFF_MILLIS = 5000;

    private final Store store;
    private final Executor executor;
    private final java.time.Clock clock;
    private final ConcurrentHashMap<String, Pool> pools = new ConcurrentHashMap<>();

    /** The tokens this node holds for one limit (at one rate). */
    private static final class Pool {
        final RateLimit rate;
        final long batch;
        final AtomicLong tokens = new AtomicLong();
        final AtomicBoolean leasing = new AtomicBoolean();
        /** The shared bucket's wait for its next token, as of the last lease that came back short. */
        volatile long waitMillis = UNKNOWN_WAIT_MILLIS;
        /** No lease before this time (epoch ms): the shared bucket said it is empty until then. */
        volatile long notBeforeMillis;

        Pool(RateLimit rate) {
            this.rate = rate;
            this.batch = batch(rate);
        }
    }

    /**
     * Tokens a node leases at once: a twentieth of the limit, 1 to {@link #MAX_BATCH}. Small enough
     * that the tokens idle in other nodes' pools stay a small share of the limit, large enough that a
     * busy node asks the database about once per twentieth of the limit's requests.
     */
    static long batch(RateLimit rate) {
        return Math.clamp(rate.requests() / 20, 1, MAX_BATCH);
    }

    public LeasedBuckets(Store store, Executor executor, java.time.Clock clock) {
        this.store = store;
        this.executor = executor;
        this.clock = clock;
    }

    private Pool pool(LimitRecord l) {
        Pool p = pools.get(l.id());
        if (p == null || !p.rate.equals(l.rate())) {
            p = pools.compute(l.id(), (id, old) -> old != null && old.rate.equals(l.rate()) ? old : new Pool(l.rate()));
        }
        return p;
    }

    @Override
    public Take take(LimitRecord limit) {
        Pool p = pool(limit);
        if (decrement(p)) {
            if (p.tokens.get() <= p.batch / 2) {
                topUp(limit.id(), p);
            }
            return Take.GRANTED;
        }
        topUp(limit.id(), p);
        if (decrement(p)) { // the lease ran inline (a direct executor) or landed meanwhile
            return Take.GRANTED;
        }
        long until = p.notBeforeMillis - clock.millis();
        return new Take(false, Math.max(1, until > 0 ? until : p.waitMillis));
    }

    private static boolean decrement(Pool p) {
        while (true) {
            long n = p.tokens.get();
            if (n <= 0) {
                return false;
            }
            if (p.tokens.compareAndSet(n, n - 1)) {
                return true;
            }
        }
    }

    /** Starts one lease for the pool unless one is already running (single flight per limit). */
    private void topUp(String limitId, Pool p) {
        if (clock.millis() < p.notBeforeMillis || !p.leasing.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> lease(limitId, p));
        } catch (RuntimeException e) { // executor shut down: the node is stopping
            p.leasing.set(false);
        }
    }

    private void lease(String limitId, Pool p) {
        try {
            long want = p.batch - p.tokens.get();
            if (want < 1) {
                return;
            }
            Optional<LimitRecord.Lease> lease = store.leaseLimitTokens(limitId, want);
            if (lease.isEmpty()) {
                pools.remove(limitId, p); // removed meanwhile; the next snapshot drops it anyway
                return;
            }
            if (pools.get(limitId) == p) {
                p.tokens.addAndGet(lease.get().granted());
            }
            boolean shortOfWant = lease.get().granted() < want;
            p.waitMillis = shortOfWant ? lease.get().waitMillis() : UNKNOWN_WAIT_MILLIS;
            if (lease.get().granted() == 0) {
                p.notBeforeMillis = clock.millis() + Math.min(lease.get().waitMillis(), MAX_BACKOFF_MILLIS);
            }
        } catch (RuntimeException e) {
            log.warn("could not lease rate-limit tokens for {} from the database: {}", limitId, e.getMessage());
        } finally {
            p.leasing.set(false);
        }
    }

    @Override
    public void giveBack(LimitRecord limit) {
        Pool p = pools.get(limit.id());
        if (p != null && p.rate.equals(limit.rate())) {
            p.tokens.incrementAndGet();
        }
    }

    @Override
    public void sync(Collection<LimitRecord> limits) {
        Set<String> ids = limits.stream().map(LimitRecord::id).collect(Collectors.toSet());
        pools.keySet().retainAll(ids);
        for (LimitRecord l : limits) {
            Pool p = pool(l);
            if (p.tokens.get() <= p.batch / 2) {
                topUp(l.id(), p);
            }
        }
    }

    /** Tokens this node holds for the limit (tests and status). */
    long held(String limitId) {
        Pool p = pools.get(limitId);
        return p == null ? 0 : p.tokens.get();
    }
}
