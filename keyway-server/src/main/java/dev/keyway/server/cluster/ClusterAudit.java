package dev.keyway.server.cluster;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.api.AuditSource;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditQuery;
import dev.keyway.store.audit.AuditShipper;
import dev.keyway.store.audit.AuditVerifier;
import dev.keyway.store.postgres.PostgresAuditTable;
import dev.keyway.store.postgres.PostgresStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit of a cluster node: its {@link AuditShipper} copying the node's durable local records
 * into the shared {@code audit_records} table, the table as the node's {@link AuditSource} (every
 * node's records, from any node), and retention of the table by age.
 *
 * <p>The local log stays the commit point (a credential leaves only after its decision record is
 * forced to this node's disk); shipping is asynchronous, so records of any node appear in queries
 * within about {@link AuditShipper#IDLE} plus the reader's poll interval, and a database outage
 * delays them without losing any: the shipper resumes from the database's cursor, also after a
 * kill -9. See docs/deploy-cluster.md#audit.
 */
public final class ClusterAudit implements AuditSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterAudit.class);

    /** How long a read of the table's newest id is reused by live tails (one query per period, not per stream). */
    static final long LAST_ID_TTL_MILLIS = 100;
    /** How often retention runs. */
    static final Duration RETENTION_EVERY = Duration.ofHours(1);
    static final int RETENTION_BATCH = 10_000;

    private final PostgresAuditTable table;
    private final AuditLog log;
    private final AuditShipper shipper;
    private final Duration retention;
    private final Clock clock;
    private final AtomicLong lastId = new AtomicLong();
    private volatile long lastIdAt = System.nanoTime() / 1_000_000 - LAST_ID_TTL_MILLIS; // stale at first
    private volatile boolean closed;
    private @Nullable Thread retainer;

    private ClusterAudit(PostgresAuditTable table, AuditLog log, AuditShipper shipper, Duration retention, Clock clock) {
        this.table = table;
        this.log = log;
        this.shipper = shipper;
        this.retention = retention;
        this.clock = clock;
    }

    /**
     * Starts shipping {@code log} as node {@code node}; {@code retention} zero keeps every record
     * (deleting audit history is the operator's decision, as for the local files).
     */
    public static ClusterAudit start(PostgresStore store, AuditLog log, String node, Duration retention, Clock clock) {
        PostgresAuditTable table = new PostgresAuditTable(store, clock);
        ClusterAudit audit = new ClusterAudit(table, log, new AuditShipper(log, table, node, clock), retention, clock);
        audit.shipper.start();
        if (!retention.isZero()) {
            audit.retainer = Thread.ofPlatform().daemon(true).name("keyway-audit-retention").start(audit::retainLoop);
        }
        return audit;
    }

    @Override
    public List<Map<String, Object>> query(AuditQuery q) {
        return table.query(q);
    }

    @Override
    public long lastSeq() {
        long now = System.nanoTime() / 1_000_000;
        if (now - lastIdAt >= LAST_ID_TTL_MILLIS) {
            lastIdAt = now;
            try {
                lastId.accumulateAndGet(table.lastId(), Math::max);
            } catch (RuntimeException e) {
                // database unreachable: live tails keep their position and see new records once it answers again
                LOG.debug("cannot read the cluster audit table's newest id: {}", e.getMessage());
            }
        }
        return lastId.get();
    }

    /**
     * Every node's chain (or {@code node}'s) from the table, with the single-node verifier's checks
     * ({@link dev.keyway.store.audit.AuditVerifier.Feed}) and the cluster's one chain key. Each
     * node's shipping cursor is read first, so records cut from the end of a node's records are
     * found too. NOT_FOUND for a node that never shipped a record.
     */
    @Override
    public Optional<List<NodeChain>> verifyNodes(@Nullable String node, long from) {
        Map<String, Long> cursors = table.cursors();
        if (node != null && !cursors.containsKey(node)) {
            throw new KeywayException(ErrorType.NOT_FOUND, "no node named '" + node + "' has shipped audit records to the "
                    + "cluster-wide table (nodes: " + String.join(", ", cursors.keySet()) + ")");
        }
        List<NodeChain> out = new ArrayList<>();
        for (Map.Entry<String, Long> c : cursors.entrySet()) {
            if (node != null && !node.equals(c.getKey())) {
                continue;
            }
            AuditVerifier.Feed feed = log.verifierFeed("audit_records of node " + c.getKey(), from);
            table.forEachRecord(c.getKey(), Math.max(1, from - 1), feed::accept);
            out.add(new NodeChain(c.getKey(), feed.result(c.getValue())));
        }
        return Optional.of(out);
    }

    private void retainLoop() {
        while (!closed) {
            retain();
            LockSupport.parkNanos(this, RETENTION_EVERY.toNanos());
        }
    }

    /** Deletes records older than the retention in bounded batches (at most 100 batches per run). */
    void retain() {
        Instant cutoff = clock.instant().minus(retention);
        try {
            int deleted = 0;
            for (int i = 0, n = RETENTION_BATCH; i < 100 && n == RETENTION_BATCH && !closed; i++) {
                n = table.deleteOlderThan(cutoff, RETENTION_BATCH);
                deleted += n;
            }
            if (deleted > 0) {
                LOG.info("cluster audit retention: deleted {} records older than {}", deleted, cutoff);
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster audit retention failed (retried in {}): {}", RETENTION_EVERY, e.getMessage());
        }
    }

    /** The shipper, for metrics and status. */
    public AuditShipper shipper() {
        return shipper;
    }

    /** {@code audit_shipping} in {@code GET /v1/status} (and {@code keyway doctor}). */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", shipper.state().name().toLowerCase(Locale.ROOT));
        m.put("shipped_seq", shipper.shippedSeq());
        m.put("lag_records", shipper.lagRecords());
        m.put("failures", shipper.failures());
        Instant last = shipper.lastShipped();
        if (last != null) {
            m.put("last_shipped", last.toString());
        }
        String problem = shipper.problem();
        if (problem != null) {
            m.put("problem", problem);
        }
        return m;
    }

    /** Ships what is durable one last time (best effort; the next start ships the rest) and stops. */
    @Override
    public void close() {
        closed = true;
        Thread t = retainer;
        if (t != null) {
            LockSupport.unpark(t);
        }
        shipper.close();
    }
}
