package dev.keyway.store.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Size-based rotation of the audit log, and queries that read across the rotated files. */
class AuditRotationTest {
    static final String BIG = "y".repeat(200_000);

    @TempDir
    Path dir;

    Path file() {
        return dir.resolve("logs").resolve("audit.jsonl");
    }

    AuditLog open(int keep) {
        return new AuditLog(file(), Syncer.FORCE, 1000, Clock.systemUTC(), new AuditRotation(AuditRotation.MIN_FILE_BYTES, keep));
    }

    /** Appends {@code n} records (every third one about 200 KB), each durable so each is its own batch. */
    static void fill(AuditLog log, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            AuditJson r = new AuditJson().put("type", i % 2 == 0 ? "even" : "odd").put("i", i);
            if (i % 3 == 0) {
                r.put("payload", BIG);
            }
            log.append(r, true).get(30, TimeUnit.SECONDS);
        }
    }

    List<String> rotatedNames() throws Exception {
        try (Stream<Path> s = Files.list(file().getParent())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("audit.jsonl")).sorted().toList();
        }
    }

    static List<Long> seqs(List<Map<String, Object>> records) {
        return records.stream().map(r -> (Long) r.get("seq")).toList();
    }

    static List<Long> range(long from, long to, boolean descending) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return descending ? out.reversed() : out;
    }

    @Test
    void rotatesBySizeAndQueriesReadAcrossFiles() throws Exception {
        try (AuditLog log = open(0)) {
            fill(log, 0, 60); // about 4 MB: several rotations
            List<String> rotated = rotatedNames();
            assertThat(rotated).hasSizeGreaterThanOrEqualTo(3).allMatch(n -> n.matches("audit-\\d{19}\\.jsonl"));
            for (String n : rotated) {
                Path p = file().getParent().resolve(n);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
                assertThat(Files.size(p)).isGreaterThanOrEqualTo(AuditRotation.MIN_FILE_BYTES);
            }
            assertThat(Files.size(file())).isLessThan(AuditRotation.MIN_FILE_BYTES);

            // every record exactly once, in order, whichever way and however it is paged
            assertThat(seqs(log.query(new AuditQuery(null, null, null, 0, 1000, true)))).isEqualTo(range(1, 60, true));
            assertThat(seqs(log.query(new AuditQuery(null, null, null, 0, 1000, false)))).isEqualTo(range(1, 60, false));
            assertThat(seqs(log.query(new AuditQuery(null, null, null, 0, 25, true)))).isEqualTo(range(36, 60, true));
            assertThat(seqs(log.query(new AuditQuery(null, null, null, 7, 10, false)))).isEqualTo(range(8, 17, false));
            assertThat(seqs(log.query(new AuditQuery(null, null, null, 50, 1000, true)))).isEqualTo(range(51, 60, true));
            assertThat(seqs(log.query(new AuditQuery(null, null, "odd", 0, 1000, false))))
                    .isEqualTo(range(1, 60, false).stream().filter(s -> s % 2 == 0).toList()); // i = seq - 1
        }
    }

    @Test
    void numberingContinuesAfterARestartRightAfterARotation() throws Exception {
        long last;
        try (AuditLog log = open(0)) {
            fill(log, 0, 20);
            last = (Long) log.query(AuditQuery.latest(1)).getFirst().get("seq");
        }
        // as if the process died right after renaming the current file, before creating the new one
        Files.move(file(), file().resolveSibling(String.format("audit-%019d.jsonl", last)));
        try (AuditLog log = open(0)) {
            assertThat(log.append(new AuditJson().put("type", "after"), true).get(30, TimeUnit.SECONDS)).isEqualTo(last + 1);
            assertThat(seqs(log.query(AuditQuery.latest(3)))).containsExactly(last + 1, last, last - 1);
        }
    }

    @Test
    void keepsOnlyTheNewestRotatedFilesWhenAsked() throws Exception {
        try (AuditLog log = open(2)) {
            fill(log, 0, 90);
            assertThat(rotatedNames()).hasSize(2);
            List<Long> all = seqs(log.query(new AuditQuery(null, null, null, 0, 1000, false)));
            assertThat(all.getLast()).isEqualTo(90L);
            assertThat(all.getFirst()).isGreaterThan(1L); // the oldest were deleted
            assertThat(all).isEqualTo(range(all.getFirst(), 90, false)); // and nothing in between is missing
        }
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> new AuditRotation(1000, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 MiB");
        assertThatThrownBy(() -> new AuditRotation(AuditRotation.MIN_FILE_BYTES, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
