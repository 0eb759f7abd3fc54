package dev.keyway.proxy.tls;

import dev.keyway.proxy.spi.LeafCertificateSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's source of leaf certificates: mints on first contact with a host, then reuses the
 * leaf until it is close to expiry.
 *
 * <ul>
 *   <li>Keyed by the normalized host ({@link CertificateHost#key()}), so {@code Example.com.} and
 *       {@code example.com} share one leaf.
 *   <li>Bounded LRU (default {@value #DEFAULT_MAX_ENTRIES} hosts); the least recently used host is
 *       dropped first.
 *   <li>A leaf is reused while more than {@link #RENEW_BEFORE} of validity remains, so a handshake
 *       never gets a certificate that is about to expire.
 *   <li>Concurrent requests for a host that is not cached share one mint (a map of in-flight
 *       futures); different hosts mint in parallel.
 *   <li>Minting runs on the given executor (default: a new virtual thread per mint), never on the
 *       caller's thread (a Netty event loop) and never under a lock. The LRU lock only guards a
 *       map lookup or insert.
 *   <li>A failed mint completes its callers' futures exceptionally and is not remembered: the next
 *       request tries again.
 * </ul>
 */
public final class LeafCache implements LeafCertificateSource {
    /** Default number of hosts kept. */
    public static final int DEFAULT_MAX_ENTRIES = 1024;

    /** A cached leaf with less validity left than this is replaced by a fresh one. */
    public static final Duration RENEW_BEFORE = Duration.ofMinutes(5);

    /** Produces a leaf for a normalized host; {@link LeafMinter#mint} is the real one. */
    @FunctionalInterface
    public interface Minter {
        Leaf mint(String normalizedHost);
    }

    private record Cached(Leaf leaf, Instant notAfter) {}

    private final Minter minter;
    private final Clock clock;
    private final Executor executor;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, Cached> entries;
    private final ConcurrentHashMap<String, CompletableFuture<Leaf>> inFlight = new ConcurrentHashMap<>();
    private final LongAdder mints = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder failures = new LongAdder();

    /** A cache with the default size, minting on virtual threads with the minter's clock. */
    public LeafCache(LeafMinter minter) {
        this(minter::mint, minter.clock(), DEFAULT_MAX_ENTRIES, virtualThreadExecutor());
    }

    /**
     * @param clock decides when a cached leaf is near expiry; use the minter's clock
     * @param maxEntries maximum hosts kept, at least 1
     * @param executor where mints run; must not be the caller's event loop
     */
    public LeafCache(Minter minter, Clock clock, int maxEntries, Executor executor) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("invalid maxEntries: " + maxEntries);
        }
        this.minter = minter;
        this.clock = clock;
        this.executor = executor;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /**
     * The leaf for the host: completed immediately on a cache hit, otherwise when the (shared) mint
     * finishes. Fails with {@link dev.keyway.core.error.KeywayException} for an invalid host.
     */
    @Override
    public CompletableFuture<Leaf> leafFor(String hostOrIp) {
        String key;
        try {
            key = CertificateHost.parse(hostOrIp).key();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Leaf cached = fresh(key);
        if (cached != null) {
            hits.increment();
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<Leaf> mine = new CompletableFuture<>();
        CompletableFuture<Leaf> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            coalesced.increment();
            return running.copy();
        }
        // Won the race; a mint that finished between our lookup and putIfAbsent cached its leaf
        // before leaving inFlight, so one more lookup avoids minting twice.
        cached = fresh(key);
        if (cached != null) {
            hits.increment();
            finish(key, mine, cached, null);
            return CompletableFuture.completedFuture(cached);
        }
        try {
            executor.execute(() -> mint(key, mine));
        } catch (RejectedExecutionException e) {
            finish(key, mine, null, e);
        }
        return mine.copy();
    }

    private void mint(String key, CompletableFuture<Leaf> result) {
        mints.increment();
        try {
            Leaf leaf = minter.mint(key);
            Cached entry = new Cached(leaf, leaf.chain().getFirst().getNotAfter().toInstant());
            lock.lock();
            try {
                entries.put(key, entry);
            } finally {
                lock.unlock();
            }
            finish(key, result, leaf, null);
        } catch (Throwable t) {
            failures.increment();
            finish(key, result, null, t);
        }
    }

    private void finish(String key, CompletableFuture<Leaf> result, @Nullable Leaf leaf, @Nullable Throwable error) {
        inFlight.remove(key, result);
        if (leaf != null) {
            result.complete(leaf);
        } else {
            result.completeExceptionally(error != null ? error : new IllegalStateException("mint failed"));
        }
    }

    private @Nullable Leaf fresh(String key) {
        Instant renewAt = clock.instant().plus(RENEW_BEFORE);
        lock.lock();
        try {
            Cached e = entries.get(key);
            if (e == null) {
                return null;
            }
            if (e.notAfter().isAfter(renewAt)) {
                return e.leaf();
            }
            entries.remove(key);
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Number of mints started (each distinct miss, not each caller). */
    public long mints() {
        return mints.sum();
    }

    /** Number of requests answered from the cache. */
    public long hits() {
        return hits.sum();
    }

    /** Number of requests that joined a mint already in progress. */
    public long coalesced() {
        return coalesced.sum();
    }

    /** Number of mints that failed. */
    public long failures() {
        return failures.sum();
    }

    /** Hosts currently cached. */
    public int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    private static Executor virtualThreadExecutor() {
        ThreadFactory threads = Thread.ofVirtual().name("keyway-leaf-mint-", 0).factory();
        return task -> threads.newThread(task).start();
    }
}
