package dev.keyway.server.limit;

import dev.keyway.store.LimitRecord;
import java.util.Collection;

/**
 * The token buckets behind the limits, one per limit. Called on proxy event loops: implementations
 * never block and never touch the database on the calling thread; each bucket is its own atomic
 * state, so requests under different limits never contend.
 */
public sealed interface Buckets permits LocalBuckets, LeasedBuckets {

    /**
     * The result of {@link #take}.
     *
     * @param granted whether one token was taken
     * @param waitMillis when not granted: how long until one is expected
     */
    record Take(boolean granted, long waitMillis) {
        static final Take GRANTED = new Take(true, 0);
    }

    /** Takes one token from the limit's bucket. */
    Take take(LimitRecord limit);

    /** Returns one token taken by {@link #take} for a request that was not forwarded after all. */
    void giveBack(LimitRecord limit);

    /**
     * The configured limits changed (a new snapshot): drop the buckets of limits that are gone and
     * prepare the new ones (a cluster node leases its first batch ahead of the first request).
     */
    void sync(Collection<LimitRecord> limits);
}
