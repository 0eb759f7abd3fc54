package dev.keyway.store.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.testing.MutableClock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

class AuditLogTest {
    private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.890Z");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private final List<AuditLog> opened = new ArrayList<>();

    /** Counts syncs; optionally holds the first one until {@link #release} opens. */
    static final class TestSyncer implements Syncer {
        final AtomicInteger forces = new AtomicInteger();
        final CountDownLatch firstEntered = new CountDownLatch(1);
        final CountDownLatch release;
        volatile boolean fail;

        TestSyncer(boolean holdFirst) {
            release = new CountDownLatch(holdFirst ? 1 : 0);
        }

        @Override
        public void force(FileChannel channel) throws IOException {
            forces.incrementAndGet();
            firstEntered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("test never released the sync");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            if (fail) {
                throw new IOException("disk on fire");
            }
            channel.force(false);
        }
    }

    private Path file() {
        return dir.resolve("logs").resolve("audit.jsonl");
    }

    private AuditLog open(Syncer syncer, int capacity) {
        AuditLog log = new AuditLog(file(), syncer, capacity, new MutableClock(T0));
        opened.add(log);
        return log;
    }

    private AuditLog open() {
        return open(new TestSyncer(false), AuditLog.DEFAULT_CAPACITY);
    }

    @AfterEach
    void closeAll() {
        opened.forEach(AuditLog::close);
    }

    private List<String> lines() throws IOException {
        return Files.readAllLines(file(), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> json(String line) {
        return JSON.readValue(line, new TypeReference<Map<String, Object>>() {});
    }

    private static long get(CompletableFuture<Long> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static void assertUnavailable(CompletableFuture<Long> f) {
        assertThat(f).failsWithin(30, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(KeywayException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.AUDIT_UNAVAILABLE));
    }

    @Test
    void appendsStampSeqAndTsFirstAndWriteOneLineEach() throws Exception {
        AuditLog log = open();
        assertThat(get(log.append(Map.of("type", "vault.create", "actor", "alice"), true))).isEqualTo(1);
        assertThat(get(log.append(Map.of(), false))).isEqualTo(2);
        assertThat(get(log.append(Map.of("n", 3, "nested", Map.of("k", List.of(1, 2))), false))).isEqualTo(3);
        assertThat(log.lastSeq()).isEqualTo(3);
        log.close();

        List<String> lines = lines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("{\"seq\":1,\"ts\":\"2026-03-04T05:06:07.890Z\",");
        assertThat(json(lines.get(0))).containsEntry("type", "vault.create").containsEntry("actor", "alice");
        assertThat(lines.get(1)).isEqualTo("{\"seq\":2,\"ts\":\"2026-03-04T05:06:07.890Z\"}");
        assertThat(json(lines.get(2)).get("nested")).isEqualTo(Map.of("k", List.of(1, 2)));
    }

    @Test
    void builtRecordsAreNumberedLikeMapRecords() throws Exception {
        AuditLog log = open();
        assertThat(get(log.append(new AuditJson().put("type", "request").put("port", 443), true))).isEqualTo(1);
        assertThat(get(log.append(new AuditJson(), false))).isEqualTo(2);
        log.close();
        assertThat(lines()).containsExactly(
                "{\"seq\":1,\"ts\":\"2026-03-04T05:06:07.890Z\",\"type\":\"request\",\"port\":443}",
                "{\"seq\":2,\"ts\":\"2026-03-04T05:06:07.890Z\"}");
    }

    @Test
    void fileIsOwnerOnlyAndAnExistingBroaderFileIsTightened() throws Exception {
        open().close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-rw-r--"));
        open();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
    }

    @Test
    void concurrentAppendsGetUniqueIncreasingSeqsOneLineEach() throws Exception {
        AuditLog log = open();
        int threads = 8;
        int each = 500;
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<java.util.concurrent.Future<List<CompletableFuture<Long>>>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                parts.add(pool.submit(() -> {
                    List<CompletableFuture<Long>> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(log.append(Map.of("thread", thread, "i", i), i % 10 == 0));
                    }
                    return mine;
                }));
            }
            for (var part : parts) {
                futures.addAll(part.get());
            }
        }
        Set<Long> seqs = new HashSet<>();
        for (CompletableFuture<Long> f : futures) {
            seqs.add(get(f));
        }
        assertThat(seqs).hasSize(threads * each);
        assertThat(seqs).allMatch(s -> s >= 1 && s <= threads * each);
        log.close();

        List<String> lines = lines();
        assertThat(lines).hasSize(threads * each);
        long prev = 0;
        for (String line : lines) {
            long seq = ((Number) json(line).get("seq")).longValue();
            assertThat(seq).isEqualTo(prev + 1);
            prev = seq;
        }
    }

    @Test
    void durableRecordCompletesOnlyAfterTheSync() throws Exception {
        TestSyncer syncer = new TestSyncer(true);
        AuditLog log = open(syncer, 16);
        CompletableFuture<Long> f = log.append(Map.of("type", "credential.put"), true);
        assertThat(syncer.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lines()).hasSize(1); // written ...
        assertThat(f).isNotDone(); // ... but not yet acknowledged
        syncer.release.countDown();
        assertThat(get(f)).isEqualTo(1);
    }

    @Test
    void nonDurableRecordsNeverWaitForASync() throws Exception {
        TestSyncer syncer = new TestSyncer(false);
        AuditLog log = open(syncer, 16);
        for (int i = 0; i < 5; i++) {
            get(log.append(Map.of("i", i), false));
        }
        assertThat(syncer.forces).hasValue(0);
        log.close();
        assertThat(syncer.forces).as("close forces what is pending").hasValue(1);
    }

    @Test
    void groupCommitSyncsAWholeBatchOnce() throws Exception {
        TestSyncer syncer = new TestSyncer(true);
        AuditLog log = open(syncer, 10_000);
        CompletableFuture<Long> first = log.append(Map.of("i", -1), true);
        assertThat(syncer.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();

        int threads = 8;
        int each = 100; // 800 < MAX_BATCH, so they form exactly one batch
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<java.util.concurrent.Future<List<CompletableFuture<Long>>>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                parts.add(pool.submit(() -> {
                    List<CompletableFuture<Long>> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(log.append(Map.of("i", i), true));
                    }
                    return mine;
                }));
            }
            for (var part : parts) {
                futures.addAll(part.get());
            }
        }
        assertThat(futures).noneMatch(CompletableFuture::isDone);
        syncer.release.countDown();
        get(first);
        for (CompletableFuture<Long> f : futures) {
            get(f);
        }
        assertThat(syncer.forces).as("one sync for the first record, one for the 800 queued meanwhile")
                .hasValue(2);
    }

    @Test
    void groupedRecordsWaitForTheCommitAndShareOneSync() throws Exception {
        TestSyncer syncer = new TestSyncer(false);
        // the writer is never woken by time here: only commit() (or a DURABLE record) starts it
        AuditLog log = new AuditLog(file(), syncer, 100, new MutableClock(T0), AuditRotation.DEFAULT, null,
                TimeUnit.HOURS.toNanos(1));
        opened.add(log);
        // a writer thread still starting up would take records appended meanwhile on its first look at
        // the queue (harmless: written early); wait until it is parked so only commit() can start it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!log.writerParked() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(log.writerParked()).isTrue();
        List<CompletableFuture<Long>> burst = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            burst.add(log.append(new AuditJson().put("i", i), AuditLog.Commit.GROUPED));
        }
        assertThat(burst).as("nobody asked for a commit yet").noneMatch(CompletableFuture::isDone);
        assertThat(syncer.forces).hasValue(0);

        log.commit();
        for (CompletableFuture<Long> f : burst) {
            get(f);
        }
        assertThat(burst.stream().map(CompletableFuture::join)).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(syncer.forces).as("the burst shares one force").hasValue(1);
        assertThat(log.durableSeq()).isEqualTo(5);

        // a DURABLE record still starts the writer by itself, and takes a waiting GROUPED one along
        CompletableFuture<Long> grouped = log.append(new AuditJson().put("i", 6), AuditLog.Commit.GROUPED);
        get(log.append(new AuditJson().put("i", 7), AuditLog.Commit.DURABLE));
        assertThat(get(grouped)).isEqualTo(6L);
        assertThat(syncer.forces).hasValue(2);
        log.commit(); // nothing pending: harmless
        assertThat(lines()).hasSize(7);
    }

    /**
     * The shipper reads the durable log in batches; each batch resumes where the previous one
     * stopped in the current file (not from its start), across rotations too, and nothing is skipped
     * or repeated, also when a caller asks for older records again.
     */
    @Test
    void durableRecordsReadInBatchesResumeWhereTheLastBatchStoppedAndNeverSkip() throws Exception {
        AuditLog log = new AuditLog(file(), new TestSyncer(false), 10_000, new MutableClock(T0),
                new AuditRotation(AuditRotation.MIN_FILE_BYTES, 0));
        opened.add(log);
        String pad = "x".repeat(900);
        int total = 2_500; // about 2.4 MB: two rotations of 1 MiB files
        List<Long> seen = new ArrayList<>();
        long cursor = 0;
        for (int i = 1; i <= total; i++) {
            log.append(Map.of("i", i, "pad", pad), false);
            if (i % 700 == 0 || i == total) {
                get(log.sync());
                for (List<AuditLine> b = log.readDurable(cursor, 37, 1 << 20); !b.isEmpty();
                        b = log.readDurable(cursor, 37, 1 << 20)) {
                    b.forEach(l -> seen.add(l.seq()));
                    cursor = b.getLast().seq();
                }
            }
        }
        assertThat(seen).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(dir.resolve("logs").toFile().list((d, n) -> n.startsWith("audit-"))).hasSize(2);
        // older records again (a shipper re-checking its cursor), then the next batch from there
        assertThat(log.readDurable(total - 10, 1, 1 << 20)).extracting(AuditLine::seq).containsExactly((long) total - 9);
        assertThat(log.readDurable(total - 3, 100, 1 << 20)).extracting(AuditLine::seq)
                .containsExactly((long) total - 2, (long) total - 1, (long) total);
        assertThat(log.readDurable(5, 2, 1 << 20)).extracting(AuditLine::seq).containsExactly(6L, 7L);
        assertThat(log.readDurable(total, 100, 1 << 20)).isEmpty();
    }

    @Test
    void aBacklogSpanningRotatedSegmentsIsReadAboutOnceNotOncePerBatch() throws Exception {
        AuditLog log = new AuditLog(file(), new TestSyncer(false), 10_000, new MutableClock(T0),
                new AuditRotation(AuditRotation.MIN_FILE_BYTES, 0));
        opened.add(log);
        String pad = "x".repeat(900);
        int total = 3_000; // about 2.9 MB: two rotated 1 MiB segments and the current file
        for (int i = 1; i <= total; i++) {
            log.append(Map.of("i", i, "pad", pad), false);
        }
        get(log.sync());
        long fileBytes = 0;
        for (java.io.File f : dir.resolve("logs").toFile().listFiles((d, n) -> n.startsWith("audit"))) {
            fileBytes += f.length();
        }
        long cursor = 0;
        int batches = 0;
        for (List<AuditLine> b = log.readDurable(cursor, 37, 1 << 20); !b.isEmpty(); b = log.readDurable(cursor, 37, 1 << 20)) {
            assertThat(b.getFirst().seq()).isEqualTo(cursor + 1);
            cursor = b.getLast().seq();
            batches++;
        }
        assertThat(cursor).isEqualTo(total);
        assertThat(batches).isGreaterThan(80);
        // each batch reads on from where the last one stopped, in the rotated segments too; reading every
        // segment from its start per batch (the bug) reads more than ten times the files' size
        assertThat(log.rawBytesRead()).isLessThan(3 * fileBytes);
    }

    @Test
    void aResumePointIsNotReusedForANewFileThatGotTheSameInode() throws Exception {
        Path f = Files.createDirectories(dir.resolve("plain")).resolve("audit.jsonl");
        Files.writeString(f, lines(1, 100));
        AuditFile reader = new AuditFile(f, tools.jackson.databind.json.JsonMapper.builder().build());
        assertThat(reader.raw(0, 100, 10, 1 << 20)).extracting(AuditLine::seq).endsWith(10L);
        // the same inode now holds other records (truncated and rewritten in place, as a recycled inode would)
        try (FileChannel ch = FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(lines(11, 200).getBytes(StandardCharsets.UTF_8)), 0);
        }
        assertThat(reader.raw(10, 200, 3, 1 << 20)).extracting(AuditLine::seq).containsExactly(11L, 12L, 13L);
    }

    private static String lines(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i <= to; i++) {
            sb.append("{\"seq\":").append(i).append(",\"pad\":\"").append("y".repeat(i % 7 * 10)).append("\"}\n");
        }
        return sb.toString();
    }

    @Test
    void fullQueueFailsAppendsAndCountsDroppedOnes() throws Exception {
        TestSyncer syncer = new TestSyncer(true);
        AuditLog log = open(syncer, 2);
        CompletableFuture<Long> first = log.append(Map.of("i", 0), true);
        assertThat(syncer.firstEntered.await(30, TimeUnit.SECONDS)).isTrue(); // writer is busy, queue empty
        CompletableFuture<Long> a = log.append(Map.of("i", 1), false);
        CompletableFuture<Long> b = log.append(Map.of("i", 2), true);
        assertUnavailable(log.append(Map.of("i", 3), true));
        assertUnavailable(log.append(Map.of("i", 4), false));
        assertThat(log.dropped()).isEqualTo(1);
        assertThat(log.healthy()).isTrue();
        syncer.release.countDown();
        assertThat(List.of(get(first), get(a), get(b))).containsExactly(1L, 2L, 3L);
    }

    @Test
    void syncFailureFailsDurableRecordsAndEveryLaterAppend() throws Exception {
        TestSyncer syncer = new TestSyncer(false);
        AuditLog log = open(syncer, 16);
        get(log.append(Map.of("i", 0), true));
        syncer.fail = true;
        CompletableFuture<Long> durable = log.append(Map.of("i", 1), true);
        assertUnavailable(durable);
        assertThat(log.healthy()).isFalse();
        CompletableFuture<Long> later = log.append(Map.of("i", 2), false);
        assertThat(later).isCompletedExceptionally(); // fails fast, nothing queued
        assertUnavailable(later);
    }

    @Test
    void writeFailureMarksTheLogUnhealthy() throws Exception {
        // the seam closes the channel, so the next batch's write fails
        AtomicInteger calls = new AtomicInteger();
        AuditLog log = open(ch -> {
            if (calls.incrementAndGet() == 1) {
                ch.close();
            }
        }, 16);
        get(log.append(Map.of("i", 0), true));
        assertUnavailable(log.append(Map.of("i", 1), false));
        assertThat(log.healthy()).isFalse();
        assertUnavailable(log.append(Map.of("i", 2), true));
    }

    @Test
    void invalidRecordsAreRejectedWithoutHarm() throws Exception {
        AuditLog log = open();
        assertThat(log.append(Map.of("seq", 5), false)).failsWithin(1, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOf(IllegalArgumentException.class);
        Map<String, Object> cyclic = new java.util.HashMap<>();
        cyclic.put("self", cyclic);
        assertThat(log.append(cyclic, false)).failsWithin(1, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(log.healthy()).isTrue();
        assertThat(get(log.append(Map.of("ok", true), false))).isEqualTo(1);
    }

    @Test
    void appendAfterCloseFailsAndCloseIsIdempotent() throws Exception {
        AuditLog log = open();
        CompletableFuture<Long> f = log.append(Map.of("i", 0), false);
        log.close();
        assertThat(f).isCompletedWithValue(1L);
        assertUnavailable(log.append(Map.of("i", 1), true));
        log.close();
        assertThat(lines()).hasSize(1);
    }

    @Test
    void reopenContinuesTheSequence() throws Exception {
        AuditLog log = open();
        for (int i = 0; i < 5; i++) {
            log.append(Map.of("i", i), false);
        }
        log.close();
        AuditLog again = open();
        assertThat(again.lastSeq()).isEqualTo(5);
        assertThat(get(again.append(Map.of("i", 5), true))).isEqualTo(6);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            torn last record            | {"seq":1,"ts":"x"}\\n{"seq":2,"ts":"x"}\\n{"seq":3,"ts":"x","ty | 2 | 2
            only a torn record          | {"seq":1,"ts":"x","type":"req                                  | 0 | 0
            garbage line before the end | {"seq":1,"ts":"x"}\\n{"seq":7,"ts":"x"}\\n#garbage#\\n        | 7 | 3
            blank lines at the end      | {"seq":4,"ts":"x"}\\n\\n\\n                                    | 4 | 3
            empty file                  | ''                                                             | 0 | 0
            """)
    void crashLeftoversAreRepairedOnOpen(String name, String content, long expectedSeq, int keptLines)
            throws Exception {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), content.replace("\\n", "\n"));
        AuditLog log = open();
        assertThat(log.lastSeq()).isEqualTo(expectedSeq);
        assertThat(lines()).hasSize(keptLines);
        assertThat(get(log.append(Map.of("after", "crash"), true))).isEqualTo(expectedSeq + 1);
        log.close();
        List<String> lines = lines();
        assertThat(json(lines.getLast())).containsEntry("after", "crash");
        assertThat(Files.readString(file())).endsWith("\"after\":\"crash\"}\n");
    }

    private AuditLog filled(int n) throws Exception {
        AuditLog log = open();
        String[] vaults = {"prod", "dev"};
        String[] actors = {"alice", "bob", "carol"};
        String[] types = {"request", "credential.put"};
        CompletableFuture<Long> last = null;
        for (int i = 1; i <= n; i++) {
            last = log.append(Map.of("vault", vaults[i % 2], "actor", actors[i % 3], "type", types[i % 5 == 0 ? 1 : 0],
                    "path", "/v1/some/rather/long/path/to/make/lines/bigger/" + "x".repeat(i % 50)), i == n);
        }
        get(last);
        return log;
    }

    private static List<Long> seqs(List<Map<String, Object>> records) {
        return records.stream().map(r -> (Long) r.get("seq")).toList();
    }

    @Test
    void queryNewestFirstReadsTheTailAcrossChunks() throws Exception {
        AuditLog log = filled(3000); // ~400 KB, several ReverseLines chunks
        assertThat(Files.size(file())).isGreaterThan(3L * ReverseLines.CHUNK);
        List<Map<String, Object>> newest = log.query(AuditQuery.latest(1000));
        assertThat(seqs(newest)).hasSize(1000).first().isEqualTo(3000L);
        assertThat(seqs(newest)).last().isEqualTo(2001L);
        assertThat(seqs(newest)).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(newest.getFirst()).containsKeys("ts", "vault", "actor", "type", "path");
        assertThat(seqs(log.query(AuditQuery.latest(0)))).hasSize(AuditQuery.DEFAULT_LIMIT);
        assertThat(seqs(log.query(AuditQuery.latest(5000)))).hasSize(AuditQuery.MAX_LIMIT);
    }

    @Test
    void queryOldestFirstPagesAfterSinceSeq() throws Exception {
        AuditLog log = filled(300);
        assertThat(seqs(log.query(AuditQuery.after(0, 3)))).containsExactly(1L, 2L, 3L);
        assertThat(seqs(log.query(AuditQuery.after(150, 3)))).containsExactly(151L, 152L, 153L);
        assertThat(seqs(log.query(AuditQuery.after(299, 10)))).containsExactly(300L);
        assertThat(log.query(AuditQuery.after(300, 10))).isEmpty();
        assertThat(seqs(log.query(new AuditQuery(null, null, null, 295, 10, true))))
                .containsExactly(300L, 299L, 298L, 297L, 296L);
    }

    @ParameterizedTest(name = "vault={0} actor={1} type={2}")
    @CsvSource(nullValues = "-", value = {
        "prod, -, -",
        "-, bob, -",
        "-, -, credential.put",
        "dev, carol, request",
        "prod, alice, credential.put",
        "nope, -, -"})
    void queryFiltersOnVaultActorAndType(String vault, String actor, String type) throws Exception {
        AuditLog log = filled(120);
        for (boolean newestFirst : new boolean[] {true, false}) {
            List<Map<String, Object>> got = log.query(new AuditQuery(vault, actor, type, 0, 1000, newestFirst));
            List<Long> expected = new ArrayList<>();
            for (long i = 1; i <= 120; i++) {
                boolean match = (vault == null || vault.equals(i % 2 == 0 ? "prod" : "dev"))
                        && (actor == null || actor.equals(new String[] {"alice", "bob", "carol"}[(int) (i % 3)]))
                        && (type == null || type.equals(i % 5 == 0 ? "credential.put" : "request"));
                if (match) {
                    expected.add(i);
                }
            }
            if (newestFirst) {
                expected = expected.reversed();
            }
            assertThat(seqs(got)).isEqualTo(expected);
            List<Map<String, Object>> limited = log.query(new AuditQuery(vault, actor, type, 0, 2, newestFirst));
            assertThat(seqs(limited)).isEqualTo(expected.subList(0, Math.min(2, expected.size())));
        }
    }

    @Test
    void batchesLargerThanTheWritersBufferAreWrittenWhole() throws Exception {
        TestSyncer syncer = new TestSyncer(true);
        AuditLog log = open(syncer, 100);
        CompletableFuture<Long> first = log.append(Map.of("i", -1), true);
        assertThat(syncer.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
        // queued while the writer is held: one batch of about 300 KB (the writer's buffer starts at 64 KB)
        String big = "x".repeat(100_000);
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fs.add(log.append(new AuditJson().put("type", "big").put("i", i).put("payload", big), false));
            fs.add(log.append(new AuditJson().put("type", "small").put("i", i), true));
        }
        syncer.release.countDown();
        get(first);
        for (CompletableFuture<Long> f : fs) {
            get(f);
        }
        List<String> lines = lines();
        assertThat(lines).hasSize(7);
        for (int i = 0; i < 3; i++) {
            Map<String, Object> b = json(lines.get(1 + 2 * i));
            assertThat(b).containsEntry("type", "big").containsEntry("i", i).containsEntry("seq", 2 + 2 * i);
            assertThat(b.get("payload")).isEqualTo(big);
            assertThat(json(lines.get(2 + 2 * i))).containsEntry("type", "small").containsEntry("i", i);
        }
        // and the writer keeps working with small records afterwards
        assertThat(get(log.append(new AuditJson().put("type", "after"), true))).isEqualTo(8);
        assertThat(json(lines().getLast())).containsEntry("type", "after");
    }

    @Test
    void queryFiltersOnAction() throws Exception {
        AuditLog log = open();
        get(log.append(Map.of("type", "control", "action", "user.disable", "actor", "alice"), true));
        get(log.append(Map.of("type", "control", "action", "credential.reveal", "actor", "alice"), true));
        get(log.append(Map.of("type", "request", "actor", "agent:bot"), true));
        get(log.append(Map.of("type", "control", "action", "user.disable", "actor", "bob"), true));
        assertThat(seqs(log.query(new AuditQuery(null, null, null, "user.disable", 0, 10, false)))).containsExactly(1L, 4L);
        assertThat(seqs(log.query(new AuditQuery(null, "bob", "control", "user.disable", 0, 10, true)))).containsExactly(4L);
        assertThat(seqs(log.query(new AuditQuery(null, null, null, "nope", 0, 10, true)))).isEmpty();
    }

    @Test
    void queryIgnoresAHalfWrittenTail() throws Exception {
        AuditLog log = filled(3);
        log.close();
        Files.writeString(file(), "{\"seq\":4,\"ts\":\"x\",\"vau", java.nio.file.StandardOpenOption.APPEND);
        assertThat(seqs(log.query(AuditQuery.latest(10)))).containsExactly(3L, 2L, 1L);
        assertThat(seqs(log.query(AuditQuery.after(0, 10)))).containsExactly(1L, 2L, 3L);
    }

    @Test
    void missingParentDirectoryIsCreatedAndBadPathFails() throws Exception {
        assertThat(open().file()).isEqualTo(file().toAbsolutePath());
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "not a dir");
        assertThatThrownBy(() -> AuditLog.open(blocker.resolve("audit.jsonl")))
                .isInstanceOf(java.io.UncheckedIOException.class);
    }
}
