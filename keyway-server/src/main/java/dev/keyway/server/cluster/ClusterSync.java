package dev.keyway.server.cluster;

import dev.keyway.server.runtime.RuntimeState;
import dev.keyway.store.postgres.PostgresStore;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's snapshot in step with the shared database and says whether it is.
 *
 * <p>One platform thread owns a dedicated session connection (outside the pool) that
 * {@code LISTEN}s on {@link PostgresStore#CHANNEL}. Each turn it waits for a notification for at
 * most the poll interval, then reads the change-log head ({@code revision}) through the pool and,
 * if it moved, rebuilds the snapshot. So a change arrives within one round trip when LISTEN works
 * and within the poll interval when it silently does not (a transaction-mode pooler, a killed
 * backend, an idle-connection reaper). A broken LISTEN connection is replaced on the next turn.
 *
 * <p>Each successful turn records the time it read the head: the node then provably enforces
 * everything committed before that instant. {@link #state()} compares that instant with the clock
 * ({@link SyncState#of}); past {@code maxSyncLag} the node is out of sync and fails closed until a
 * turn succeeds again, without a restart.
 *
 * <p>At start a self-{@code NOTIFY} probe checks that notifications really arrive, and the log
 * says which mode is active.
 */
public final class ClusterSync implements Readiness, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterSync.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    /** How changes reach this node. */
    public enum Mode {
        /** Notifications arrive; polling is the safety net. */
        LISTEN_AND_POLL,
        /** No working LISTEN connection: polling only (changes arrive within the poll interval). */
        POLL_ONLY
    }

    private final PostgresStore store;
    private final RuntimeState runtime;
    private final Clock clock;
    private final ClusterConfig config;
    private final Thread thread;
    private final AtomicLong reconnects = new AtomicLong();
    private volatile Instant confirmed;
    private volatile Mode mode = Mode.POLL_ONLY;
    private volatile SyncState reported = SyncState.IN_SYNC;
    private volatile boolean closed;
    private @Nullable Connection listen; // owned by the sync thread after start

    private ClusterSync(PostgresStore store, RuntimeState runtime, Clock clock, ClusterConfig config) {
        this.store = store;
        this.runtime = runtime;
        this.clock = clock;
        this.config = config;
        this.confirmed = clock.instant();
        this.thread = Thread.ofPlatform().daemon().name("cluster-sync").unstarted(this::loop);
    }

    /** Connects the listener, probes it, logs the mode and starts the sync thread. */
    public static ClusterSync start(PostgresStore store, RuntimeState runtime, Clock clock, ClusterConfig config) {
        ClusterSync s = new ClusterSync(store, runtime, clock, config);
        s.connectListener(true);
        s.syncOnce();
        s.thread.start();
        return s;
    }

    @Override
    public SyncState state() {
        return SyncState.of(confirmed, clock.instant(), config.maxSyncLag());
    }

    @Override
    public Duration lag() {
        Duration d = Duration.between(confirmed, clock.instant());
        return d.isNegative() ? Duration.ZERO : d;
    }

    public Mode mode() {
        return mode;
    }

    /** How many times the LISTEN connection was replaced after breaking. */
    public long reconnects() {
        return reconnects.get();
    }

    /** The backend pid of the current LISTEN connection, or -1 (for tests that kill it). */
    public int listenerPid() {
        Connection c = listen;
        if (c == null) {
            return -1;
        }
        try {
            return c.unwrap(PGConnection.class).getBackendPID();
        } catch (SQLException e) {
            return -1;
        }
    }

    private void loop() {
        long pollMillis = config.pollInterval().toMillis();
        while (!closed) {
            try {
                Connection c = listen;
                if (c == null) {
                    Thread.sleep(pollMillis);
                    if (!closed) {
                        connectListener(false);
                    }
                } else {
                    awaitNotification(c, pollMillis);
                }
                syncOnce();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("cluster sync turn failed: {}", e.toString());
            }
        }
    }

    /** Waits up to {@code millis} for notifications; a failure drops the connection (replaced next turn). */
    private void awaitNotification(Connection c, long millis) {
        try {
            PGNotification[] got = c.unwrap(PGConnection.class).getNotifications((int) millis);
            if (got == null || got.length == 0) {
                // nothing within the interval: also verify the connection is alive (a killed backend
                // may not surface as an error until the next read)
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
            }
        } catch (SQLException e) {
            log.warn("cluster sync: the LISTEN connection broke ({}); polling every {} ms until it is re-established",
                    e.getSQLState(), config.pollInterval().toMillis());
            dropListener();
        }
    }

    /** Reads the change-log head and rebuilds the snapshot if it moved; records the confirmation. */
    void syncOnce() {
        Instant readAt = clock.instant();
        try {
            long head = store.revision();
            if (head != runtime.current().revision()) {
                runtime.refresh();
            }
            confirmed = readAt;
        } catch (RuntimeException e) {
            log.debug("cluster sync: cannot read the change log: {}", e.toString());
        }
        SyncState now = state();
        if (now != reported) {
            reported = now;
            if (now == SyncState.OUT_OF_SYNC) {
                log.error("node {} is OUT OF SYNC: no confirmed sync with the database for more than {} ms; refusing "
                        + "credential injection and new tunnels (503 node-out-of-sync) until it recovers",
                        config.nodeName(), config.maxSyncLag().toMillis());
            } else {
                log.warn("node {} is back in sync with the database", config.nodeName());
            }
        }
    }

    private void connectListener(boolean initial) {
        Connection c = null;
        try {
            c = store.openSessionConnection();
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN " + PostgresStore.CHANNEL);
            }
            boolean delivered = probe(c);
            listen = c;
            Mode m = delivered ? Mode.LISTEN_AND_POLL : Mode.POLL_ONLY;
            if (initial || m != mode) {
                if (delivered) {
                    log.info("cluster sync: LISTEN/NOTIFY active on a dedicated connection, polling the change log every {} ms "
                            + "as a safety net", config.pollInterval().toMillis());
                } else {
                    log.warn("cluster sync: a self-NOTIFY probe did not arrive within {} ms (a transaction-mode pooler or a "
                            + "replica?); POLLING ONLY, changes reach this node within {} ms", PROBE_TIMEOUT.toMillis(),
                            config.pollInterval().toMillis());
                }
            }
            if (!initial) {
                reconnects.incrementAndGet();
            }
            mode = m;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            listen = null;
            mode = Mode.POLL_ONLY;
            if (initial) {
                log.warn("cluster sync: no LISTEN connection ({}); polling the change log every {} ms", e.toString(),
                        config.pollInterval().toMillis());
            } else {
                log.debug("cluster sync: LISTEN reconnect failed: {}", e.toString());
            }
        }
    }

    /** Sends a NOTIFY with a random payload from another session and waits for it on {@code c}. */
    private boolean probe(Connection c) throws SQLException {
        byte[] nonce = new byte[8];
        new SecureRandom().nextBytes(nonce);
        String payload = "probe:" + HexFormat.of().formatHex(nonce);
        try (Connection other = store.openSessionConnection();
                PreparedStatement ps = other.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, PostgresStore.CHANNEL);
            ps.setString(2, payload);
            ps.execute();
        }
        long deadline = System.nanoTime() + PROBE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            PGNotification[] got = c.unwrap(PGConnection.class).getNotifications(100);
            if (got != null) {
                for (PGNotification n : got) {
                    if (payload.equals(n.getParameter())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private void dropListener() {
        closeQuietly(listen);
        listen = null;
        mode = Mode.POLL_ONLY;
    }

    private static void closeQuietly(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing the LISTEN connection: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(listen);
        listen = null;
    }
}
