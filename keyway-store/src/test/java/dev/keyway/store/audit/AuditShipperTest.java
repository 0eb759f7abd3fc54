package dev.keyway.store.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link AuditShipper} against an in-memory sink that can fail before storing (database down) or
 * after storing (the commit happened, the acknowledgement was lost): records leave only when
 * durable, exactly as written, each exactly once, and a new shipper resumes from the sink's cursor.
 */
class AuditShipperTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    /** An in-memory sink keyed by (node, seq) like the PostgreSQL table, with injectable failures. */
    static final class FakeSink implements AuditShipSink {
        enum Mode { OK, FAIL_BEFORE, FAIL_AFTER }

        final Map<String, TreeMap<Long, byte[]>> rows = new TreeMap<>();
        final Map<String, Long> cursors = new TreeMap<>();
        final List<Long> offered = new ArrayList<>(); // every seq passed to ship(), in order
        final List<Mode> script = new ArrayList<>();
        int duplicatesIgnored;

        @Override
        public synchronized long shipped(String node) {
            if (!script.isEmpty() && script.getFirst() == Mode.FAIL_BEFORE) {
                script.removeFirst();
                throw new IllegalStateException("database unreachable");
            }
            return cursors.getOrDefault(node, 0L);
        }

        @Override
        public synchronized void ship(String node, List<AuditLine> lines) {
            Mode m = script.isEmpty() ? Mode.OK : script.removeFirst();
            if (m == Mode.FAIL_BEFORE) {
                throw new IllegalStateException("database unreachable");
            }
            TreeMap<Long, byte[]> t = rows.computeIfAbsent(node, k -> new TreeMap<>());
            for (AuditLine l : lines) {
                offered.add(l.seq());
                if (t.putIfAbsent(l.seq(), l.line().clone()) != null) {
                    duplicatesIgnored++; // ON CONFLICT DO NOTHING
                }
            }
            cursors.merge(node, lines.getLast().seq(), Math::max);
            if (m == Mode.FAIL_AFTER) {
                throw new IllegalStateException("connection reset after commit");
            }
        }

        @Override
        public synchronized byte @Nullable [] stored(String node, long seq) {
            TreeMap<Long, byte[]> t = rows.get(node);
            return t == null ? null : t.get(seq);
        }
    }

    private AuditLog open(Path file) {
        return new AuditLog(file, Syncer.FORCE, 10_000, clock, AuditRotation.DEFAULT, AuditChain.of(new byte[32]));
    }

    private static void append(AuditLog log, int n, boolean durable) throws Exception {
        for (int i = 0; i < n; i++) {
            var f = log.append(Map.of("type", "decision", "path", "/r/" + i), durable);
            if (i == n - 1) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The file's lines by seq, as written. */
    private static TreeMap<Long, String> fileLines(Path file) throws Exception {
        TreeMap<Long, String> out = new TreeMap<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!l.isBlank()) {
                out.put(AuditLine.seqOf(l.getBytes(StandardCharsets.UTF_8), l.length()), l);
            }
        }
        return out;
    }

    private static TreeMap<Long, String> sinkLines(FakeSink sink, String node) {
        TreeMap<Long, String> out = new TreeMap<>();
        sink.rows.getOrDefault(node, new TreeMap<>()).forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void rotationKeepsFilesBeyondTheLimitUntilTheirRecordsAreShipped() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        FakeSink sink = new FakeSink();
        try (AuditLog log = new AuditLog(file, Syncer.FORCE, 10_000, clock, new AuditRotation(AuditRotation.MIN_FILE_BYTES, 1))) {
            AuditShipper s = new AuditShipper(log, sink, "n1", clock);
            for (int i = 0; i < 12; i++) { // the database is down: nothing ships while the log rotates several times
                sink.script.add(FakeSink.Mode.FAIL_BEFORE);
            }
            String pad = "p".repeat(900);
            for (int round = 0; round < 4; round++) {
                appendPadded(log, 700, pad);
                assertThat(s.step()).isEqualTo(AuditShipper.Turn.FAILED);
            }
            assertThat(rotatedFiles()).as("--audit-keep-files 1, but nothing is shipped yet").hasSizeGreaterThan(1);
            sink.script.clear();
            while (s.step() == AuditShipper.Turn.FULL) {
                // catch up
            }
            assertThat(s.lagRecords()).isZero();
            assertThat(sink.rows.get("n1")).hasSize(2800); // every record, none lost to rotation
            appendPadded(log, 1200, pad); // rotate again: now the shipped files may go
            assertThat(rotatedFiles()).hasSize(1);
        }
    }

    /** {@code n} records of about 1 KB in batches of 100 (every 100th durable and waited for: the others ride along). */
    private static void appendPadded(AuditLog log, int n, String pad) throws Exception {
        for (int i = 1; i <= n; i++) {
            boolean durable = i % 100 == 0 || i == n;
            var f = log.append(Map.of("type", "decision", "pad", pad), durable);
            if (durable) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
    }

    private List<String> rotatedFiles() throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("audit-")).sorted().toList();
        }
    }

    @Test
    void shipsDurableRecordsExactlyAsWrittenInBoundedBatches() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        FakeSink sink = new FakeSink();
        try (AuditLog log = open(file)) {
            append(log, 1200, true);
            AuditShipper s = new AuditShipper(log, sink, "n1", clock);
            assertThat(s.lagRecords()).isEqualTo(1200);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.FULL);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.FULL);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP);
            assertThat(s.state()).isEqualTo(AuditShipper.State.SHIPPING);
            assertThat(s.shippedSeq()).isEqualTo(1200);
            assertThat(s.lagRecords()).isZero();
            assertThat(sink.offered).hasSize(1200);
            TreeMap<Long, String> written = fileLines(file);
            assertThat(sinkLines(sink, "n1")).isEqualTo(written);
            assertThat(written.firstEntry().getValue()).contains("\"chain\":\"");
        }
    }

    @Test
    void lazilyWrittenRecordsAreForcedBeforeTheyLeaveTheNode() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        FakeSink sink = new FakeSink();
        try (AuditLog log = open(file)) {
            append(log, 1, true);
            append(log, 5, false); // request records: written, not forced
            assertThat(log.durableSeq()).isEqualTo(1);
            assertThat(log.readDurable(0, 100, 1 << 20)).extracting(AuditLine::seq).containsExactly(1L);
            AuditShipper s = new AuditShipper(log, sink, "n1", clock);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP); // ships seq 1 (durable already)
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP); // forces, then ships 2..6
            assertThat(log.durableSeq()).isEqualTo(6);
            assertThat(sink.rows.get("n1").keySet()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        }
    }

    @Test
    void aFailingSinkIsRetriedWithBackoffAndNoRecordIsLostOrDuplicated() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        FakeSink sink = new FakeSink();
        try (AuditLog log = open(file)) {
            append(log, 700, true);
            AuditShipper s = new AuditShipper(log, sink, "n1", clock);
            // down at start (cursor read fails), down for one batch, then a batch whose commit's acknowledgement is lost
            sink.script.addAll(List.of(FakeSink.Mode.FAIL_BEFORE, FakeSink.Mode.FAIL_BEFORE, FakeSink.Mode.FAIL_AFTER));
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.FAILED);
            assertThat(s.state()).isEqualTo(AuditShipper.State.RETRYING);
            assertThat(s.problem()).contains("database unreachable");
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.FAILED);
            assertThat(s.failures()).isEqualTo(2);
            assertThat(s.lagRecords()).isEqualTo(700);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.FAILED); // stored 1..500, then the acknowledgement was lost
            assertThat(s.failures()).isEqualTo(3);
            append(log, 10, true); // the log keeps accepting records meanwhile
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.FULL); // re-offers 1..500: all ignored as already there
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP);
            assertThat(s.failures()).isZero();
            assertThat(s.problem()).isNull();
            assertThat(s.state()).isEqualTo(AuditShipper.State.SHIPPING);
            assertThat(sink.duplicatesIgnored).isEqualTo(500);
            assertThat(sinkLines(sink, "n1")).isEqualTo(fileLines(file)).hasSize(710);
        }
    }

    @Test
    void aRestartedNodeResumesFromTheSinksCursorAndShipsOnlyWhatIsMissing() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        FakeSink sink = new FakeSink();
        try (AuditLog log = open(file)) {
            append(log, 300, true);
            AuditShipper s = new AuditShipper(log, sink, "n1", clock);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP);
            append(log, 40, true); // acknowledged, never shipped: the node "dies" here (the shipper is not closed)
        }
        sink.offered.clear();
        try (AuditLog log = open(file)) {
            append(log, 2, true);
            AuditShipper s = new AuditShipper(log, sink, "n1", clock);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP);
            assertThat(sink.offered).as("only the records after the cursor").first().isEqualTo(301L);
            assertThat(sink.offered).hasSize(42);
            assertThat(sink.duplicatesIgnored).isZero();
            assertThat(sinkLines(sink, "n1")).isEqualTo(fileLines(file)).hasSize(342);
        }
    }

    @Test
    void anotherDataDirUnderTheSameNodeNameIsBlockedNotMixedIn() throws Exception {
        FakeSink sink = new FakeSink();
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        try (AuditLog log = open(dir.resolve("a/audit.jsonl").toAbsolutePath())) {
            append(log, 20, true);
            assertThat(new AuditShipper(log, sink, "web-1", clock).step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP);
        }
        // a fresh data dir: its log is shorter than what the database holds for "web-1"
        try (AuditLog fresh = open(dir.resolve("b/audit.jsonl").toAbsolutePath())) {
            append(fresh, 5, true);
            AuditShipper s = new AuditShipper(fresh, sink, "web-1", clock);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.BLOCKED);
            assertThat(s.state()).isEqualTo(AuditShipper.State.BLOCKED);
            assertThat(s.problem()).contains("web-1").contains("--node-name");
            append(fresh, 30, true); // now as long, but different records
        }
        try (AuditLog fresh = open(dir.resolve("b/audit.jsonl").toAbsolutePath())) {
            AuditShipper s = new AuditShipper(fresh, sink, "web-1", clock);
            assertThat(s.step()).isEqualTo(AuditShipper.Turn.BLOCKED);
            assertThat(s.problem()).contains("differs");
        }
        assertThat(sink.rows.get("web-1")).hasSize(20);
    }

    @ParameterizedTest
    @CsvSource({"0,0", "1,200", "2,400", "3,800", "6,6400", "7,10000", "50,10000"})
    void backoffDoublesFrom200MillisUpToTenSeconds(int failures, long millis) {
        assertThat(AuditShipper.backoff(failures)).isEqualTo(Duration.ofMillis(millis));
    }
}
