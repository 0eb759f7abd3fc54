package dev.keyway.server.approval;

import dev.keyway.server.VaultService;
import dev.keyway.server.api.AuditTrail;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.http.Router;
import dev.keyway.server.webhook.ApprovalEvent;
import dev.keyway.store.Store;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires approvals into a server: the {@link ApprovalService}, its API routes, and the tick that
 * times out held requests and picks up decisions made on other nodes ({@link ApprovalService#TICK}).
 * Between ticks it also watches the snapshot's revision (an in-memory read every {@link #WATCH}): a
 * decision is a change-log entry, so when another node decides, this node's LISTEN connection
 * rebuilds the snapshot and the held requests are re-read at once instead of at the next tick.
 * Closing it records this node's still-held approvals cancelled.
 */
public final class ApprovalFeature implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApprovalFeature.class);

    /** How often the snapshot revision is compared (no I/O unless it moved and requests are held). */
    static final long WATCH = 50;

    private final ApprovalService service;
    private final ExecutorService io;
    private final ScheduledExecutorService ticker;

    private ApprovalFeature(ApprovalService service, ExecutorService io, ScheduledExecutorService ticker) {
        this.service = service;
        this.io = io;
        this.ticker = ticker;
    }

    public static ApprovalFeature install(Router router, Store store, VaultService vaults, ApiAuth auth, AuditTrail trail,
            Consumer<Map<String, Object>> proxyAudit, Consumer<ApprovalEvent> notify, Supplier<String> consoleBase,
            String node, Clock clock, LongSupplier revision) {
        ExecutorService io = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("approval-", 0).factory());
        ApprovalService service = new ApprovalService(store, clock, node, io, trail, proxyAudit, notify, consoleBase);
        new ApprovalRoutes(service, vaults, auth, clock::instant).routes(router);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("approval-tick").factory());
        long ms = ApprovalService.TICK.toMillis();
        ticker.scheduleWithFixedDelay(() -> {
            try {
                service.tick();
            } catch (RuntimeException e) {
                log.warn("approval tick failed: {}", e.toString());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
        AtomicLong seen = new AtomicLong(revision.getAsLong());
        ticker.scheduleWithFixedDelay(() -> {
            try {
                long now = revision.getAsLong();
                if (seen.getAndSet(now) != now && service.heldCount() > 0) {
                    service.tick(); // a change arrived (maybe a decision made on another node)
                }
            } catch (RuntimeException e) {
                log.warn("approval watch failed: {}", e.toString());
            }
        }, WATCH, WATCH, TimeUnit.MILLISECONDS);
        return new ApprovalFeature(service, io, ticker);
    }

    public ApprovalService service() {
        return service;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        service.close();
        io.shutdown();
    }
}
