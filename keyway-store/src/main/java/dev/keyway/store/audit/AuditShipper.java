package dev.keyway.store.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a node's audit records from its durable local log into the cluster's shared table
 * ({@link AuditShipSink}), asynchronously, so every node can query every node's records.
 *
 * <p>Why ship instead of writing to PostgreSQL directly: the local segment stays the commit point.
 * A credential leaves only after its decision record is forced to the node's own disk (group
 * commit, microseconds to a few milliseconds); the proxy path never waits for the database, and a
 * database outage does not stop the audit, only delays shipping. What this class guarantees:
 * <ul>
 *   <li><b>Only durable records leave the node</b> ({@link AuditLog#readDurable}; it first asks the
 *       log to force records written lazily). A record shipped and then lost by a power cut would
 *       let the node reuse its {@code seq} for a different record.</li>
 *   <li><b>Idempotent, resumable.</b> The sink stores each batch and the node's cursor in one
 *       transaction, keyed by {@code (node, seq)}; a node killed at any point asks the sink for its
 *       cursor on start and ships exactly what is missing, never a duplicate.</li>
 *   <li><b>Nothing deleted unshipped.</b> Rotation keeps files holding records after the cursor
 *       beyond {@code --audit-keep-files} until they are shipped ({@link AuditLog#retainUnshipped}).</li>
 *   <li><b>Bounded.</b> Batches of at most {@value #BATCH} records / {@value #BATCH_BYTES} bytes;
 *       after a failure the next attempt waits {@link #backoff(int)} (200 ms doubling to 10 s).</li>
 *   <li><b>Not someone else's log.</b> On start the record stored at the cursor must equal this
 *       node's own record with that {@code seq}; when the database holds records of this node name
 *       beyond this log's end or different from it (two data dirs using one {@code --node-name}),
 *       shipping stops in {@link State#BLOCKED} and says why instead of mixing two logs.</li>
 * </ul>
 * {@link #step()} is one turn (tests drive it directly); {@link #start()} runs turns on a thread.
 */
public final class AuditShipper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditShipper.class);

    /** Most records per batch. */
    public static final int BATCH = 500;
    /** About the most bytes per batch (at least one record). */
    public static final int BATCH_BYTES = 1 << 20;
    /** Wait between turns when nothing was left to ship: bounds how late other nodes see a record. */
    public static final Duration IDLE = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** How long a turn waits for the log to force lazily written records. */
    private static final long SYNC_WAIT_MILLIS = 5_000;

    /** Where shipping stands. */
    public enum State {
        /** The cursor has not been read from the sink yet. */
        STARTING,
        /** Everything durable has been shipped, or shipping is progressing. */
        SHIPPING,
        /** The last attempt failed (database unreachable); records stay durable locally and are retried. */
        RETRYING,
        /** The sink holds records of this node name that are not this log's: shipping stopped (see {@link #problem()}). */
        BLOCKED,
        /** Closed. */
        STOPPED
    }

    /** What one turn did. */
    public enum Turn {
        /** Shipped a full batch: more may be waiting. */
        FULL,
        /** Shipped a partial batch or nothing: caught up with the durable log. */
        CAUGHT_UP,
        /** The sink or the log failed; retried after {@link #backoff(int)}. */
        FAILED,
        /** {@link State#BLOCKED}. */
        BLOCKED
    }

    private final AuditLog log;
    private final AuditShipSink sink;
    private final String node;
    private final Clock clock;
    private volatile State state = State.STARTING;
    private volatile long cursor = -1; // last seq the sink holds; -1 until read
    private volatile int failures;
    private volatile @Nullable String problem;
    private volatile @Nullable Instant lastShipped;
    private volatile boolean closed;
    private @Nullable Thread thread;

    public AuditShipper(AuditLog log, AuditShipSink sink, String node, Clock clock) {
        this.log = Objects.requireNonNull(log, "log");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.node = Objects.requireNonNull(node, "node");
        this.clock = Objects.requireNonNull(clock, "clock");
        log.retainUnshipped(() -> cursor); // rotation must not delete what is not in the table yet
    }

    /** Wait before the next attempt after {@code failures} consecutive failures: 200 ms doubling, at most 10 s. */
    public static Duration backoff(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        long ms = IDLE.toMillis() << Math.min(failures - 1, 10);
        return Duration.ofMillis(Math.min(ms, MAX_BACKOFF.toMillis()));
    }

    /** One turn: read the cursor if needed, force lazily written records, ship one batch. Never throws. */
    public synchronized Turn step() {
        if (state == State.BLOCKED) {
            return Turn.BLOCKED;
        }
        try {
            if (cursor < 0) {
                long c = sink.shipped(node);
                String mismatch = checkOwnership(c);
                if (mismatch != null) {
                    problem = mismatch;
                    state = State.BLOCKED;
                    LOG.error("audit shipping stopped: {}", mismatch);
                    return Turn.BLOCKED;
                }
                cursor = c;
                LOG.info("audit shipping for node {} resumes after seq {} (local log at seq {})", node, c, log.lastSeq());
            }
            if (log.lastSeq() > log.durableSeq() && log.durableSeq() <= cursor) {
                log.sync().get(SYNC_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
            List<AuditLine> batch = log.readDurable(cursor, BATCH, BATCH_BYTES);
            if (!batch.isEmpty()) {
                sink.ship(node, batch);
                cursor = batch.getLast().seq();
                lastShipped = clock.instant();
            }
            if (failures > 0) {
                LOG.info("audit shipping for node {} recovered after {} failed attempts", node, failures);
            }
            failures = 0;
            problem = null;
            state = State.SHIPPING;
            return batch.size() >= BATCH ? Turn.FULL : Turn.CAUGHT_UP;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(e);
        } catch (Exception e) {
            return fail(e);
        }
    }

    private Turn fail(Exception e) {
        int n = ++failures;
        String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        problem = why;
        state = State.RETRYING;
        if (n == 1 || n % 50 == 0) {
            LOG.warn("audit shipping for node {} failed ({} in a row; records stay durable in the local log and are "
                    + "retried): {}", node, n, why);
        }
        return Turn.FAILED;
    }

    /** Null when the sink's records of this node are this log's (or there are none), else why not. */
    private @Nullable String checkOwnership(long c) {
        if (c <= 0) {
            return null;
        }
        if (log.lastSeq() < c) {
            return "the database holds audit records of node '" + node + "' up to seq " + c + " but this node's audit log "
                    + "ends at seq " + log.lastSeq() + ": another data dir uses the same --node-name (node names must be "
                    + "unique; give this node another name or its own data dir back)";
        }
        List<AuditLine> mine = log.readDurable(c - 1, 1, BATCH_BYTES);
        if (mine.isEmpty() || mine.getFirst().seq() != c) {
            return null; // rotated away locally: nothing to compare with
        }
        byte[] theirs = sink.stored(node, c);
        if (theirs != null && !Arrays.equals(theirs, mine.getFirst().line())) {
            return "the database's audit record " + c + " of node '" + node + "' differs from this node's record " + c
                    + ": another data dir uses the same --node-name (node names must be unique)";
        }
        return null;
    }

    /** Runs turns on a daemon thread until {@link #close()}. */
    public synchronized AuditShipper start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon(true).name("keyway-audit-shipper").start(this::run);
        }
        return this;
    }

    private void run() {
        while (!closed) {
            Turn t = step();
            Duration wait = switch (t) {
                case FULL -> Duration.ZERO;
                case CAUGHT_UP -> IDLE;
                case FAILED -> backoff(failures);
                case BLOCKED -> Duration.ofSeconds(30);
            };
            if (!wait.isZero() && !closed) {
                LockSupport.parkNanos(this, wait.toNanos());
            }
        }
    }

    public State state() {
        return state;
    }

    /** Last seq of this node in the sink (-1 before the first successful turn). */
    public long shippedSeq() {
        return cursor;
    }

    /** Records written locally and not yet in the sink: the shipping lag (0 when caught up). */
    public long lagRecords() {
        long c = cursor;
        return Math.max(0, log.lastSeq() - Math.max(0, c));
    }

    /** Consecutive failed turns. */
    public int failures() {
        return failures;
    }

    /** Why shipping is blocked or retrying (no secret: database errors name the URL redacted), or null. */
    public @Nullable String problem() {
        return problem;
    }

    /** When a batch was last shipped, or null. */
    public @Nullable Instant lastShipped() {
        return lastShipped;
    }

    /** Stops the thread after one last turn (best effort: what is not shipped now is shipped after the next start). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(SYNC_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (state != State.BLOCKED) {
            step();
        }
        state = State.STOPPED;
    }
}
