package dev.keyway.server.cluster;

import java.time.Duration;

/** What {@code /ready} and the proxy gate ask: is this node in sync with its database, and how far behind is it. */
public interface Readiness {
    SyncState state();

    /** Time since the last confirmed sync (zero for a single node, which is its own database). */
    Duration lag();

    /** A single node on SQLite: the snapshot is rebuilt by the writes of this process itself. */
    Readiness ALWAYS = new Readiness() {
        @Override
        public SyncState state() {
            return SyncState.IN_SYNC;
        }

        @Override
        public Duration lag() {
            return Duration.ZERO;
        }
    };
}
