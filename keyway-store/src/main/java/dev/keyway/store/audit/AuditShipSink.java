package dev.keyway.store.audit;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link AuditShipper} copies a node's durable audit records: in production the cluster's
 * PostgreSQL table ({@code PostgresAuditTable}); in tests an in-memory fake that can fail.
 * Implementations throw an unchecked exception when the destination is unavailable.
 */
public interface AuditShipSink {
    /** The last {@code seq} of {@code node} the sink holds (its shipping cursor); 0 when none. */
    long shipped(String node);

    /**
     * Stores {@code lines} of {@code node} (ascending {@code seq}) and advances the node's cursor to
     * the last one, atomically. Idempotent: a record already stored for the same {@code (node, seq)}
     * is kept as it is (a retry after a lost acknowledgement adds nothing).
     */
    void ship(String node, List<AuditLine> lines);

    /** The line stored for {@code (node, seq)}, or null: lets a node check the database's records are its own. */
    byte @Nullable [] stored(String node, long seq);
}
