package dev.keyway.server.cluster;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a node may act on its in-memory snapshot. A pure function of when the node last confirmed
 * it had applied every change in the database, so the rule is tested with a table, not a database.
 */
public enum SyncState {
    /** Sync confirmed within the allowed lag: enforce, inject, answer {@code /ready} 200. */
    IN_SYNC,
    /** No confirmed sync for longer than the allowed lag: inject nothing, tunnel nothing new, {@code /ready} 503. */
    OUT_OF_SYNC;

    /** The state at {@code now} given the last confirmed sync; a confirmation "from the future" counts as fresh. */
    public static SyncState of(Instant lastConfirmed, Instant now, Duration maxLag) {
        return Duration.between(lastConfirmed, now).compareTo(maxLag) <= 0 ? IN_SYNC : OUT_OF_SYNC;
    }
}
