package dev.keyway.server;

import dev.keyway.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records when each token was last used without touching the database on the request path: a
 * use is one map write; a background task flushes the latest use of each token to the store every
 * few seconds (batched, and without bumping the store revision, so snapshots are not rebuilt).
 */
public final class TokenUsage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenUsage.class);

    private final Store store;
    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;

    public TokenUsage(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.flusher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("token-usage").factory());
        flusher.scheduleWithFixedDelay(this::flush, 5, 5, TimeUnit.SECONDS);
    }

    /** Notes a use of the token now. */
    public void touch(String tokenId) {
        pending.put(tokenId, clock.instant());
    }

    /** Writes the pending uses to the store. */
    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, Instant> batch = new HashMap<>();
        for (String id : pending.keySet()) {
            Instant at = pending.remove(id);
            if (at != null) {
                batch.put(id, at);
            }
        }
        try {
            store.touchTokens(batch);
        } catch (RuntimeException e) {
            log.warn("could not record token last use ({} tokens): {}", batch.size(), e.toString());
        }
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
    }
}
