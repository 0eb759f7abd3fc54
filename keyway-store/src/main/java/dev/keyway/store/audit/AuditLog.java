package dev.keyway.store.audit;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.store.internal.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keyway's audit trail: an append-only file of JSON lines ({@code audit.jsonl}), one record per
 * line, each stamped by the log with a monotonic {@code seq} (1, 2, 3, ...) and an ISO-8601 UTC
 * {@code ts}, which come first in the line.
 *
 * <p>Why not a logging framework: audit must not be lost silently, and some records (credential
 * changes, approvals) must be on disk before the action is acknowledged, while per-request records
 * must not slow the proxy. So:
 * <ul>
 *   <li>{@link #append} never does I/O on the caller's thread: it serialises the record and
 *       enqueues it on a bounded queue ({@value #DEFAULT_CAPACITY} by default).</li>
 *   <li>One writer thread drains the queue, writes the whole batch, and forces the file once if
 *       any record in the batch is durable (group commit): durable futures complete after the
 *       force, the others right after the write. Only durable records wake an idle writer at
 *       once; non-durable ones go with the next batch, or within {@value #LAZY_NANOS} ns.
 *       {@link Commit#GROUPED} records are durable but wait for the caller's {@link #commit()},
 *       so a burst of them shares one force and one wake-up.
 *       Futures complete on the writer thread, so
 *       callers should keep continuations short or use the {@code *Async} variants.</li>
 *   <li>A full queue fails the append (durable or not; a non-durable failure also counts in
 *       {@link #dropped()}): nothing is dropped silently.</li>
 *   <li>After a write or sync failure the log stays failed ({@link #healthy()} is false and every
 *       append fails at once with {@code audit-unavailable}): after a failed fsync the file's state
 *       is unknown, so retrying could report records durable that are not. Reopen to recover.</li>
 *   <li>On open, a torn last line left by a crash is cut off, and numbering continues after the
 *       last complete record.</li>
 * </ul>
 * The file is created {@code 0600}. Records must not contain secret values; this class cannot tell.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    public static final int DEFAULT_CAPACITY = 100_000;
    static final int MAX_BATCH = 4096;
    /** The writer keeps its output buffer across batches up to this size. */
    private static final int MAX_KEPT_BUFFER = 1 << 20;

    /** Longest a non-durable record waits in the queue while the writer is idle. */
    static final long LAZY_NANOS = 20_000_000L;

    /** Field names the log adds; a record may not set them itself. */
    public static final String SEQ = "seq";

    public static final String TS = "ts";

    private final Path file;
    private final Syncer syncer;
    private final Clock clock;
    private final JsonMapper mapper;
    private final AuditFile reader;
    private final AuditRotation rotation;
    private final AuditSegments segments;
    private final @Nullable AuditChain chain;
    /** The writer's MAC and the chain value of the last record written (writer thread only). */
    private final javax.crypto.@Nullable Mac mac;
    private byte[] prevChain;
    private final byte[] nextChain = new byte[AuditChain.MAC_LENGTH];
    private FileChannel channel; // writer thread only (and the constructor)
    /** Bytes in the current file, counted by the writer (no {@code fstat} per batch for the rotation check). */
    private long fileBytes; // writer thread only (and the constructor)
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final int capacity;
    private final long lazyNanos;
    /** True while the writer is parked or about to park; producers of durable records then unpark it. */
    private volatile boolean writerIdle;
    private final ReadWriteLock closeLock = new ReentrantReadWriteLock();
    private final AtomicLong lastSeq;
    /** The last sequence number known to be forced to disk (for shipping: only durable records leave the node). */
    private final AtomicLong durableSeq = new AtomicLong();
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;
    private volatile boolean healthy = true;
    private volatile AuditStats stats = AuditStats.NONE;
    private boolean closed; // guarded by closeLock

    /**
     * A queued record: the first {@code length} bytes of {@code body} are its JSON object. A
     * {@code barrier} writes no record: it only forces what precedes it ({@link #sync()}).
     */
    private record Pending(byte[] body, int length, Instant ts, boolean durable, CompletableFuture<Long> future,
            boolean barrier) {
        Pending(byte[] body, int length, Instant ts, boolean durable, CompletableFuture<Long> future) {
            this(body, length, ts, durable, future, false);
        }
    }

    /** How a record is written; see {@link #append(AuditJson, Commit)}. */
    public enum Commit {
        /** Written with the next batch, not forced; the future completes after the write. */
        LAZY,
        /** Forced to disk before the future completes; an idle writer starts at once. */
        DURABLE,
        /**
         * Forced to disk before the future completes, but an idle writer is woken only by the next
         * {@link #commit()} (or within {@value #LAZY_NANOS} ns at the latest): a caller that
         * produces several durable records in one burst (an event loop reading many requests in one
         * pass) makes them share one {@code fdatasync} and one writer wake-up instead of starting a
         * force for the first one alone.
         */
        GROUPED
    }

    /** Queued by {@link #close()}: the writer finishes what precedes it and stops. */
    private final Pending closeMarker = new Pending(new byte[0], 0, Instant.EPOCH, true, new CompletableFuture<>());

    /** Rotation deletes only files wholly at or before this seq ({@link #retainUnshipped}); all by default. */
    private volatile java.util.function.LongSupplier retainAfter = () -> Long.MAX_VALUE;

    /** The writer thread's output buffer, reused across batches (only that thread touches it). */
    private ByteBuffer out = ByteBuffer.allocate(64 * 1024);

    /** Opens (creating {@code 0600} if needed) the audit file and starts its writer thread. */
    public static AuditLog open(Path file) {
        return open(file, AuditRotation.DEFAULT);
    }

    /** Like {@link #open(Path)} with explicit rotation settings. */
    public static AuditLog open(Path file, AuditRotation rotation) {
        return new AuditLog(file, Syncer.FORCE, DEFAULT_CAPACITY, Clock.systemUTC(), rotation, null);
    }

    /**
     * Like {@link #open(Path, AuditRotation)}, with every record chained by {@code chain} (see
     * {@link AuditChain}); the chain continues from the last record already in the log.
     */
    public static AuditLog open(Path file, AuditRotation rotation, AuditChain chain) {
        return new AuditLog(file, Syncer.FORCE, DEFAULT_CAPACITY, Clock.systemUTC(), rotation, chain);
    }

    AuditLog(Path file, Syncer syncer, int capacity, Clock clock) {
        this(file, syncer, capacity, clock, AuditRotation.DEFAULT, null);
    }

    AuditLog(Path file, Syncer syncer, int capacity, Clock clock, AuditRotation rotation) {
        this(file, syncer, capacity, clock, rotation, null);
    }

    AuditLog(Path file, Syncer syncer, int capacity, Clock clock, AuditRotation rotation, @Nullable AuditChain chain) {
        this(file, syncer, capacity, clock, rotation, chain, LAZY_NANOS);
    }

    /** @param lazyNanos how long an idle writer waits before taking records nobody woke it for (tests: long) */
    AuditLog(Path file, Syncer syncer, int capacity, Clock clock, AuditRotation rotation, @Nullable AuditChain chain,
            long lazyNanos) {
        this.lazyNanos = lazyNanos;
        this.file = file.toAbsolutePath().normalize();
        this.syncer = syncer;
        this.clock = clock;
        this.rotation = rotation;
        this.segments = new AuditSegments(this.file);
        this.mapper = JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();
        this.reader = new AuditFile(this.file, mapper);
        this.capacity = capacity;
        this.chain = chain;
        this.mac = chain == null ? null : chain.newMac();
        try {
            PrivateFiles.createOrTighten(this.file);
            long last = reader.recover();
            byte[] tail = chain == null ? null : reader.lastChain();
            this.prevChain = tail == null ? AuditChain.genesis() : tail;
            // an empty current file right after a rotation: numbering continues after the rotated one
            this.lastSeq = new AtomicLong(last > 0 ? last : reader.lastRotatedSeq());
            // what survived a crash is on disk: recover() forced a truncation, and a clean file was forced on close
            this.durableSeq.set(lastSeq.get());
            this.channel = FileChannel.open(this.file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            this.fileBytes = channel.size();
            this.channel.force(false); // records a killed process left in the page cache count as durable from now on
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open audit log " + this.file + ": " + e.getMessage(), e);
        }
        this.writer = Thread.ofPlatform().daemon(true).name("keyway-audit-writer").start(this::run);
    }

    /**
     * Queues a record; the future yields its {@code seq} once written (and, if {@code durable},
     * forced to disk). Fails with {@link KeywayException} {@code AUDIT_UNAVAILABLE} when the log is
     * unhealthy, closed or its queue is full, and with {@link IllegalArgumentException} when the
     * record cannot be serialised or sets {@code seq}/{@code ts} itself.
     */
    public CompletableFuture<Long> append(Map<String, ?> record, boolean durable) {
        if (record.containsKey(SEQ) || record.containsKey(TS) || record.containsKey(AuditChain.FIELD)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "audit records must not set '" + SEQ + "', '" + TS + "' or '" + AuditChain.FIELD + "'"));
        }
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(record);
        } catch (JacksonException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "audit record cannot be serialised as JSON (" + e.getClass().getSimpleName() + ")"));
        }
        return enqueue(body, body.length, durable);
    }

    /**
     * Queues a record built with {@link AuditJson} (the allocation-light path used for every proxied
     * request); otherwise exactly like {@link #append(Map, boolean)}.
     */
    public CompletableFuture<Long> append(AuditJson record, boolean durable) {
        return append(record, durable ? Commit.DURABLE : Commit.LAZY);
    }

    /** Like {@link #append(AuditJson, boolean)} with the commit mode spelt out ({@link Commit#GROUPED}). */
    public CompletableFuture<Long> append(AuditJson record, Commit commit) {
        return enqueue(new Pending(record.closedArray(), record.length(), clock.instant(), commit != Commit.LAZY,
                new CompletableFuture<>()), commit == Commit.DURABLE);
    }

    /**
     * Starts forcing the {@link Commit#GROUPED} records appended so far, if the writer is idle (a
     * busy writer takes them with its next batch anyway). Cheap and idempotent: call it once after
     * a burst of appends.
     */
    public void commit() {
        if (writerIdle) {
            LockSupport.unpark(writer);
        }
    }

    /**
     * Forces every record written or queued before this call to disk without writing a record; the
     * future yields the last sequence number then durable. Used by the cluster shipper, which sends
     * only durable records to the database (a record shipped and then lost by a power cut would make
     * the node reuse its sequence number for another record). Fails like {@link #append}.
     */
    public CompletableFuture<Long> sync() {
        return enqueue(new Pending(new byte[0], 0, Instant.EPOCH, true, new CompletableFuture<>(), true), true);
    }

    /** The last sequence number known to be forced to disk (at most {@link #lastSeq()}). */
    public long durableSeq() {
        return durableSeq.get();
    }

    /**
     * Up to {@code max} records after {@code afterSeq} and at most up to {@link #durableSeq()}, oldest
     * first, exactly as written (the line without its newline, chain value included), across the
     * rotated files; at most about {@code maxBytes} in all (at least one record). For shipping.
     */
    public List<AuditLine> readDurable(long afterSeq, int max, int maxBytes) {
        try {
            return reader.raw(afterSeq, durableSeq.get(), max, maxBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the writer thread is parked waiting for work (tests that need it idle before they append). */
    boolean writerParked() {
        Thread.State st = writer.getState();
        return writerIdle && queue.isEmpty() && (st == Thread.State.TIMED_WAITING || st == Thread.State.WAITING);
    }

    /** Bytes {@link #readDurable} has read from the files so far (tests). */
    long rawBytesRead() {
        return reader.rawBytesRead();
    }

    private CompletableFuture<Long> enqueue(byte[] body, int length, boolean durable) {
        return enqueue(new Pending(body, length, clock.instant(), durable, new CompletableFuture<>()), durable);
    }

    /** @param wake whether an idle writer starts at once (durable records, except {@link Commit#GROUPED} ones) */
    private CompletableFuture<Long> enqueue(Pending p, boolean wake) {
        boolean durable = p.durable();
        closeLock.readLock().lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(unavailable("audit log is closed"));
            }
            if (!healthy) {
                return CompletableFuture.failedFuture(unavailable("audit log failed to write; see server log"));
            }
            if (queued.incrementAndGet() > capacity) {
                queued.decrementAndGet();
                if (!durable) {
                    dropped.increment();
                }
                return CompletableFuture.failedFuture(unavailable("audit log queue is full"));
            }
            queue.add(p);
            if (wake && writerIdle) {
                LockSupport.unpark(writer);
            }
        } finally {
            closeLock.readLock().unlock();
        }
        return p.future();
    }

    /** False once a write or sync failed; the proxy then answers 503 {@code audit-unavailable}. */
    public boolean healthy() {
        return healthy;
    }

    /** Non-durable records refused because the queue was full (exported as a metric). */
    public long dropped() {
        return dropped.sum();
    }

    /** Sequence number of the last record written (not necessarily forced yet); 0 if none. */
    public long lastSeq() {
        return lastSeq.get();
    }

    /** Reports each batch to {@code stats} from now on (metrics); replaces any earlier observer. */
    public void observe(AuditStats stats) {
        this.stats = java.util.Objects.requireNonNull(stats, "stats");
    }

    /** Records queued and not yet written. */
    public int queued() {
        return Math.max(0, queued.get());
    }

    /** Whether records are chained (see {@link AuditChain}). */
    public boolean chained() {
        return chain != null;
    }

    /** The audit file. */
    public Path file() {
        return file;
    }

    /**
     * Records matching {@code q} (see {@link AuditQuery}); reads the file, holding at most
     * {@code limit} records in memory. Newest-first queries read only the tail.
     */
    public List<Map<String, Object>> query(AuditQuery q) {
        try {
            return reader.query(q);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks the hash chain of every record from {@code from} on (see {@link AuditVerifier}); reads
     * the files without stopping the writer.
     *
     * @throws IllegalStateException when this log is not chained
     */
    public AuditVerification verify(long from) {
        if (chain == null) {
            throw new IllegalStateException("this audit log is not chained");
        }
        try {
            return new AuditVerifier(file, chain).verify(from);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A verification of records held elsewhere (the cluster-wide table) with this log's chain key,
     * which never leaves this object; see {@link AuditVerifier.Feed}.
     *
     * @param source names where the records are, for the report
     */
    public AuditVerifier.Feed verifierFeed(String source, long from) {
        if (chain == null) {
            throw new IllegalStateException("this audit log is not chained");
        }
        return new AuditVerifier.Feed(chain, source, from);
    }

    /** Writes and forces everything queued, then stops the writer. Later appends fail. Idempotent. */
    @Override
    public void close() {
        closeLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(closeMarker);
            LockSupport.unpark(writer);
        } finally {
            closeLock.writeLock().unlock();
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static KeywayException unavailable(String detail) {
        return new KeywayException(ErrorType.AUDIT_UNAVAILABLE, detail);
    }

    // ---- writer thread ----

    private void run() {
        List<Pending> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            Pending p;
            while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
                if (p == closeMarker) {
                    stop = true;
                    break;
                }
                batch.add(p);
                queued.decrementAndGet();
            }
            if (batch.isEmpty() && !stop) {
                // Only durable records (and close) wake the writer; others wait at most LAZY_NANOS, so a
                // request's non-durable record rides along with the next durable batch instead of
                // costing a wakeup of its own. Setting the flag before re-checking the queue pairs
                // with producers adding before reading it, so a durable record is never left waiting.
                writerIdle = true;
                if (queue.isEmpty()) {
                    LockSupport.parkNanos(this, lazyNanos);
                }
                writerIdle = false;
                Thread.interrupted(); // ignored (park would not block again): only close() stops the writer
                continue;
            }
            writeBatch(batch);
            batch.clear();
        }
        try {
            if (healthy) {
                syncer.force(channel);
                durableSeq.set(lastSeq.get());
            }
        } catch (IOException e) {
            LOG.error("audit log {}: final sync failed", file, e);
            healthy = false;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("audit log {}: close failed", file, e);
        }
    }

    private void writeBatch(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        if (!healthy) {
            failAll(batch, null);
            return;
        }
        long seq = lastSeq.get();
        long[] seqs = new long[batch.size()];
        boolean durable = false;
        int records = 0;
        ByteBuffer buf = out;
        buf.clear();
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            durable |= p.durable();
            if (p.barrier()) {
                seqs[i] = seq; // everything before it; forced below
                continue;
            }
            seqs[i] = ++seq;
            records++;
            buf = line(buf, seqs[i], p);
        }
        out = buf.capacity() > MAX_KEPT_BUFFER ? ByteBuffer.allocate(MAX_KEPT_BUFFER) : buf;
        try {
            buf.flip();
            fileBytes += buf.remaining();
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            lastSeq.set(seq);
            for (int i = 0; i < batch.size(); i++) {
                if (!batch.get(i).durable()) {
                    batch.get(i).future().complete(seqs[i]);
                }
            }
            long syncNanos = -1;
            if (durable) {
                long t0 = System.nanoTime();
                syncer.force(channel);
                syncNanos = System.nanoTime() - t0;
                durableSeq.set(seq);
                for (int i = 0; i < batch.size(); i++) {
                    if (batch.get(i).durable()) {
                        batch.get(i).future().complete(seqs[i]);
                    }
                }
            }
            if (records > 0) {
                report(records, syncNanos);
            }
            if (fileBytes >= rotation.maxFileBytes()) {
                rotate(seq);
            }
        } catch (IOException | RuntimeException e) {
            healthy = false;
            LOG.error("audit log {} failed; refusing further records until restarted", file, e);
            failAll(batch, e);
        }
    }

    private void report(int records, long syncNanos) {
        try {
            stats.batch(records, syncNanos);
        } catch (RuntimeException e) {
            LOG.debug("audit stats observer failed: {}", e.toString());
        }
    }

    /**
     * Closes the full current file (forced first, so every record in it is durable), renames it
     * after its last sequence number, starts a new {@code 0600} file, and deletes the oldest rotated
     * files beyond {@link AuditRotation#keepFiles()}. A crash in between leaves either the old name
     * (rotated again next time) or no current file (created on open; numbering resumes from the
     * rotated file), so no record is lost or renumbered.
     */
    private void rotate(long lastSeqInFile) throws IOException {
        syncer.force(channel);
        durableSeq.set(lastSeqInFile);
        channel.close();
        Path rotated = segments.rotatedName(lastSeqInFile);
        java.nio.file.Files.move(file, rotated, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        PrivateFiles.createOrTighten(file);
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        fileBytes = channel.size();
        forceDirectory();
        LOG.info("audit log rotated to {} (records up to seq {})", rotated.getFileName(), lastSeqInFile);
        if (rotation.keepFiles() > 0) {
            List<AuditSegments.Segment> all = segments.list();
            long floor = retainAfter.getAsLong();
            for (int i = 0; i < all.size() - rotation.keepFiles(); i++) {
                if (all.get(i).lastSeq() > floor) {
                    LOG.warn("audit log: keeping {} and newer beyond --audit-keep-files {}: they hold records up to seq {} "
                            + "and only records up to {} are shipped to the cluster's database yet", all.get(i).file().getFileName(),
                            rotation.keepFiles(), all.get(i).lastSeq(), floor);
                    break;
                }
                java.nio.file.Files.deleteIfExists(all.get(i).file());
                LOG.info("audit log: deleted {} (keeping the newest {} rotated files)", all.get(i).file().getFileName(),
                        rotation.keepFiles());
            }
        }
    }

    /**
     * Rotated files holding a record after {@code shippedSeq()} are not deleted by
     * {@link AuditRotation#keepFiles()} until it has moved past them: a cluster node's
     * {@link AuditShipper} calls this, so a long database outage cannot let rotation delete records
     * the cluster's table does not hold yet (the files then exceed the limit for a while, with a
     * warning). A negative value (shipping position not known yet) keeps every file.
     */
    public void retainUnshipped(java.util.function.LongSupplier shippedSeq) {
        this.retainAfter = Objects.requireNonNull(shippedSeq, "shippedSeq");
    }

    /** Makes the rename and the new file's entry durable (best effort: not every file system allows it). */
    private void forceDirectory() {
        Path dir = file.getParent();
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            LOG.debug("audit log: cannot sync directory {}: {}", dir, e.toString());
        }
    }

    private void failAll(List<Pending> batch, @Nullable Throwable cause) {
        KeywayException ex = unavailable(cause == null
                ? "audit log failed to write; see server log"
                : "audit log write failed (" + cause.getClass().getSimpleName() + ")");
        batch.forEach(p -> p.future().completeExceptionally(ex));
    }

    /**
     * Appends {@code {"seq":N,"ts":"..."} + the record's own fields + newline} to {@code buf} (grown
     * when needed) and returns the buffer: no array per line, the writer reuses one buffer. With a
     * chain, the line ends in {@code ,"chain":"<hex>"}} computed over the bytes just encoded (one
     * HMAC per record, no second encoding).
     */
    private ByteBuffer line(ByteBuffer buf, long seq, Pending p) {
        String ts = DateTimeFormatter.ISO_INSTANT.format(p.ts().truncatedTo(ChronoUnit.MILLIS));
        String head = "{\"" + SEQ + "\":" + seq + ",\"" + TS + "\":\"" + ts + "\""; // ASCII only
        byte[] body = p.body();
        int n = p.length();
        boolean empty = n <= 2; // "{}"
        int need = head.length() + (empty ? 1 : n) + 1 + AuditChain.SUFFIX_LENGTH;
        if (buf.remaining() < need) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + need));
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
        int start = buf.position();
        for (int i = 0; i < head.length(); i++) {
            buf.put((byte) head.charAt(i));
        }
        if (!empty) {
            buf.put((byte) ',');
            buf.put(body, 1, n - 2); // without the closing brace
        }
        if (chain != null && mac != null) {
            AuditChain.link(mac, prevChain, buf.array(), buf.arrayOffset() + start, buf.position() - start, nextChain);
            System.arraycopy(nextChain, 0, prevChain, 0, nextChain.length);
            buf.put(AuditChain.SUFFIX_HEAD);
            int at = buf.arrayOffset() + buf.position();
            AuditChain.hex(nextChain, buf.array(), at);
            buf.position(buf.position() + 2 * AuditChain.MAC_LENGTH);
            buf.put((byte) '"');
        }
        buf.put((byte) '}');
        buf.put((byte) '\n');
        return buf;
    }
}
