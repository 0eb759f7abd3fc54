package dev.keyway.store.audit;

/**
 * What the audit writer reports after each batch, for metrics (group-commit size, fsync latency).
 * A seam rather than a metrics dependency: the store stays free of any metrics library.
 * Called on the writer thread; implementations must be cheap and must not block or throw.
 */
@FunctionalInterface
public interface AuditStats {
    /** Reports nothing. */
    AuditStats NONE = (records, syncNanos) -> { };

    /**
     * One batch written.
     *
     * @param records how many records the batch held
     * @param syncNanos how long its fsync took, or -1 when the batch held no durable record (not forced)
     */
    void batch(int records, long syncNanos);
}
