package dev.keyway.store.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.store.audit.AuditVerification.Kind;
import dev.keyway.store.audit.AuditVerification.State;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit hash chain: every kind of tampering is caught at the right record and named, a crash's
 * torn last line is not called tampering, and the chain continues across restarts and rotation.
 * Each tampering test edits the file the way an attacker with write access would (plain file
 * operations), then verifies with the real key.
 */
class AuditChainTest {
    static final byte[] KEY = new byte[32];
    static {
        Arrays.fill(KEY, (byte) 7);
    }
    static final AuditChain CHAIN = AuditChain.of(KEY);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-04T05:06:07.890Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    Path file() {
        return dir.resolve("audit.jsonl");
    }

    AuditLog open() {
        return open(AuditRotation.DEFAULT, CHAIN);
    }

    AuditLog open(AuditRotation rotation, AuditChain chain) {
        return new AuditLog(file(), Syncer.FORCE, 1000, CLOCK, rotation, chain);
    }

    static void fill(AuditLog log, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            log.append(new AuditJson().put("type", "request").put("actor", "agent:a" + i).put("status", 200), true)
                    .get(30, TimeUnit.SECONDS);
        }
    }

    AuditVerification verify(long from) {
        return verify(CHAIN, from);
    }

    AuditVerification verify(AuditChain chain, long from) {
        try {
            return new AuditVerifier(file(), chain).verify(from);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    List<String> lines(Path f) throws Exception {
        return Files.readAllLines(f, StandardCharsets.UTF_8);
    }

    void write(Path f, List<String> lines) throws Exception {
        Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /** A log of 40 chained records, closed. */
    void fortyRecords() throws Exception {
        try (AuditLog log = open()) {
            fill(log, 1, 40);
        }
    }

    @Test
    void intactLogVerifiesAndReadersDoNotSeeTheChainField() throws Exception {
        try (AuditLog log = open()) {
            fill(log, 1, 40);
            assertThat(log.chained()).isTrue();
            AuditVerification v = log.verify(1);
            assertThat(v.state()).isEqualTo(State.INTACT);
            assertThat(v.checked()).isEqualTo(40);
            assertThat(v.firstSeq()).isEqualTo(1);
            assertThat(v.lastSeq()).isEqualTo(40);
            assertThat(v.anchored()).isFalse();
            assertThat(v.tornTailBytes()).isZero();
            assertThat(v.broken()).isNull();
            // queries (the API, the console, `audit tail`) return the records without the chain value
            List<Map<String, Object>> recs = log.query(new AuditQuery(null, null, null, 0, 1000, false));
            assertThat(recs).hasSize(40).allSatisfy(r -> assertThat(r).doesNotContainKey("chain").containsKeys("seq", "ts", "actor"));
            assertThat(recs.getFirst()).containsEntry("actor", "agent:a1");
        }
        List<String> lines = lines(file());
        assertThat(lines.getFirst()).startsWith("{\"seq\":1,\"ts\":\"2026-03-04T05:06:07.890Z\",\"type\":\"request\",")
                .matches(".*,\"chain\":\"[0-9a-f]{64}\"}$");
        // a record with no fields of its own is chained too
        try (AuditLog log = open()) {
            log.append(Map.of(), true).get(30, TimeUnit.SECONDS);
        }
        assertThat(lines(file()).getLast()).matches("\\{\"seq\":41,\"ts\":\"[^\"]+\",\"chain\":\"[0-9a-f]{64}\"}");
        assertThat(verify(1).checked()).isEqualTo(41);
    }

    @Test
    void recordsMayNotSetTheChainField() throws Exception {
        try (AuditLog log = open()) {
            assertThat(log.append(Map.of("chain", "00"), true)).failsWithin(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void editedRecordIsNamed() throws Exception {
        fortyRecords();
        List<String> lines = new ArrayList<>(lines(file()));
        lines.set(19, lines.get(19).replace("agent:a20", "agent:zz"));
        write(file(), lines);
        AuditVerification v = verify(1);
        assertThat(v.state()).isEqualTo(State.BROKEN);
        assertThat(v.broken().seq()).isEqualTo(20);
        assertThat(v.broken().kind()).isEqualTo(Kind.EDITED);
        assertThat(v.broken().file()).isEqualTo("audit.jsonl");
        assertThat(v.broken().line()).isEqualTo(20);
        assertThat(v.checked()).isEqualTo(19);
        assertThat(v.broken().describe()).startsWith("record 20 (audit.jsonl line 20): edited: ");
    }

    @Test
    void editedChainValueAndRecomputedPlainHashAreCaught() throws Exception {
        fortyRecords();
        List<String> lines = new ArrayList<>(lines(file()));
        String l = lines.get(9);
        char last = l.charAt(l.length() - 3);
        lines.set(9, l.substring(0, l.length() - 3) + (last == '0' ? '1' : '0') + l.substring(l.length() - 2));
        write(file(), lines);
        assertThat(verify(1).broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(10L, Kind.EDITED);
    }

    @Test
    void removedRecordIsNamed() throws Exception {
        fortyRecords();
        List<String> lines = new ArrayList<>(lines(file()));
        lines.remove(14); // seq 15
        write(file(), lines);
        AuditVerification v = verify(1);
        assertThat(v.broken().kind()).isEqualTo(Kind.REMOVED);
        assertThat(v.broken().seq()).isEqualTo(15);
        assertThat(v.broken().detail()).contains("record 15 is missing");
    }

    @Test
    void removedAndRenumberedRecordsBreakTheChain() throws Exception {
        fortyRecords();
        List<String> lines = new ArrayList<>(lines(file()));
        lines.remove(14);
        for (int i = 14; i < lines.size(); i++) {
            lines.set(i, lines.get(i).replaceFirst("^\\{\"seq\":\\d+,", "{\"seq\":" + (i + 1) + ","));
        }
        write(file(), lines);
        assertThat(verify(1).broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(15L, Kind.EDITED);
    }

    @Test
    void reorderedRecordsAreNamed() throws Exception {
        fortyRecords();
        List<String> lines = new ArrayList<>(lines(file()));
        String a = lines.get(24);
        lines.set(24, lines.get(25));
        lines.set(25, a); // 26 now comes before 25
        write(file(), lines);
        AuditVerification v = verify(1);
        assertThat(v.broken().kind()).isEqualTo(Kind.REORDERED);
        assertThat(v.broken().seq()).isEqualTo(25);
        assertThat(v.broken().line()).isEqualTo(25);
    }

    @Test
    void bytesCutFromTheMiddleAreReportedAsTruncation() throws Exception {
        fortyRecords();
        byte[] all = Files.readAllBytes(file());
        String text = new String(all, StandardCharsets.UTF_8);
        int start = text.indexOf("{\"seq\":12,") + 30; // inside record 12
        int end = text.indexOf("{\"seq\":13,") + 10; // inside record 13
        Files.writeString(file(), text.substring(0, start) + text.substring(end), StandardCharsets.UTF_8);
        AuditVerification v = verify(1);
        assertThat(v.broken().kind()).isEqualTo(Kind.TRUNCATED);
        assertThat(v.broken().seq()).isEqualTo(12);

        // a record cut short and glued to the next one's start
        fortyRecords(); // appends 41..80 after the damage; the damage stays first
        assertThat(verify(1).broken().seq()).isEqualTo(12);
    }

    @Test
    void recordCutShortAtALineEndIsTruncation() throws Exception {
        fortyRecords();
        List<String> lines = new ArrayList<>(lines(file()));
        lines.set(29, lines.get(29).substring(0, 60));
        write(file(), lines);
        AuditVerification v = verify(1);
        assertThat(v.broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(30L, Kind.TRUNCATED);
    }

    @Test
    void garbageLineIsMalformed() throws Exception {
        fortyRecords();
        List<String> lines = new ArrayList<>(lines(file()));
        lines.add(5, "not a record");
        write(file(), lines);
        assertThat(verify(1).broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind,
                AuditVerification.Break::line).containsExactly(6L, Kind.MALFORMED, 6L);
    }

    @Test
    void tornLastLineIsReportedAsSuchNotAsTampering() throws Exception {
        fortyRecords();
        String torn = "{\"seq\":41,\"ts\":\"2026-03-04T05:06:07.890Z\",\"type\":\"requ";
        Files.writeString(file(), torn, StandardOpenOption.APPEND);
        AuditVerification v = verify(1);
        assertThat(v.state()).isEqualTo(State.INTACT);
        assertThat(v.checked()).isEqualTo(40);
        assertThat(v.tornTailBytes()).isEqualTo(torn.length());
        // the next start cuts the torn record off and the chain continues from record 40
        try (AuditLog log = open()) {
            fill(log, 41, 5);
        }
        AuditVerification after = verify(1);
        assertThat(after.state()).isEqualTo(State.INTACT);
        assertThat(after.checked()).isEqualTo(45);
        assertThat(after.tornTailBytes()).isZero();
    }

    @Test
    void chainContinuesAcrossRestarts() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (AuditLog log = open()) {
                fill(log, 1 + 10 * i, 10);
            }
        }
        assertThat(verify(1)).extracting(AuditVerification::state, AuditVerification::checked).containsExactly(State.INTACT, 30L);
    }

    @Test
    void aDifferentKeyCannotVerifyOrForge() throws Exception {
        fortyRecords();
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertThat(verify(AuditChain.of(other), 1).broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(1L, Kind.EDITED);
        // records appended by someone holding another key do not verify with the real one
        try (AuditLog forger = open(AuditRotation.DEFAULT, AuditChain.of(other))) {
            fill(forger, 41, 1);
        }
        assertThat(verify(1).broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(41L, Kind.EDITED);
    }

    @Test
    void fromStartsAtARecordAnchoredByItsPredecessor() throws Exception {
        fortyRecords();
        AuditVerification v = verify(31);
        assertThat(v).extracting(AuditVerification::state, AuditVerification::checked, AuditVerification::firstSeq,
                AuditVerification::anchored).containsExactly(State.INTACT, 10L, 31L, false);
        // damage before --from is outside the range; damage inside it is still found
        List<String> lines = new ArrayList<>(lines(file()));
        lines.set(4, lines.get(4).replace("agent:a5", "agent:zz"));
        lines.set(34, lines.get(34).replace("agent:a35", "agent:zz"));
        write(file(), lines);
        assertThat(verify(31).broken().seq()).isEqualTo(35);
        assertThat(verify(1).broken().seq()).isEqualTo(5);
    }

    @Test
    void legacyUnchainedRecordsBeforeChainingAreAllowedButNotAfter() throws Exception {
        try (AuditLog legacy = new AuditLog(file(), Syncer.FORCE, 1000, CLOCK)) {
            fill(legacy, 1, 5);
        }
        fortyRecords(); // seq 6..45, chained from the genesis value
        AuditVerification v = verify(1);
        assertThat(v).extracting(AuditVerification::state, AuditVerification::checked, AuditVerification::unchained)
                .containsExactly(State.INTACT, 45L, 5L);
        // stripping the chain value off a chained record does not pass it off as legacy
        List<String> lines = new ArrayList<>(lines(file()));
        lines.set(19, lines.get(19).replaceFirst(",\"chain\":\"[0-9a-f]{64}\"}$", "}"));
        write(file(), lines);
        assertThat(verify(1).broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(20L, Kind.EDITED);
    }

    // ---- across rotation ----

    static final String BIG = "y".repeat(200_000);

    AuditLog openRotating(int keep) {
        return open(new AuditRotation(AuditRotation.MIN_FILE_BYTES, keep), CHAIN);
    }

    static void fillBig(AuditLog log, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            AuditJson r = new AuditJson().put("type", "request").put("i", i);
            if (i % 3 == 0) {
                r.put("payload", BIG);
            }
            log.append(r, true).get(30, TimeUnit.SECONDS);
        }
    }

    List<Path> rotated() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("audit-\\d{19}\\.jsonl")).sorted().toList();
        }
    }

    @Test
    void chainContinuesAcrossRotatedFilesAndRestarts() throws Exception {
        try (AuditLog log = openRotating(0)) {
            fillBig(log, 1, 40);
        }
        try (AuditLog log = openRotating(0)) { // resumes from the last record, whichever file holds it
            fillBig(log, 41, 20);
        }
        assertThat(rotated()).hasSizeGreaterThanOrEqualTo(3);
        AuditVerification v = verify(1);
        assertThat(v).extracting(AuditVerification::state, AuditVerification::checked).containsExactly(State.INTACT, 60L);
        // --from inside a later file is anchored by the last record of the file before
        Path second = rotated().get(1);
        long firstOfSecond = Long.parseLong(rotated().get(0).getFileName().toString().substring(6, 25)) + 1;
        assertThat(verify(firstOfSecond)).extracting(AuditVerification::state, AuditVerification::anchored)
                .containsExactly(State.INTACT, false);
        assertThat(second).exists();
    }

    @Test
    void removedRotatedFileIsNamed() throws Exception {
        try (AuditLog log = openRotating(0)) {
            fillBig(log, 1, 60);
        }
        List<Path> files = rotated();
        long firstMissing = Long.parseLong(files.get(0).getFileName().toString().substring(6, 25)) + 1;
        Files.delete(files.get(1));
        AuditVerification v = verify(1);
        assertThat(v.broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(firstMissing, Kind.REMOVED);
        assertThat(v.broken().file()).isEqualTo(files.get(2).getFileName().toString());
    }

    @Test
    void rotatedFileCutShortIsTruncation() throws Exception {
        try (AuditLog log = openRotating(0)) {
            fillBig(log, 1, 60);
        }
        Path first = rotated().get(0);
        List<String> lines = new ArrayList<>(lines(first));
        long lastSeq = Long.parseLong(first.getFileName().toString().substring(6, 25));
        lines.removeLast(); // cut at a line boundary: only the file name gives it away
        write(first, lines);
        AuditVerification v = verify(1);
        assertThat(v.broken()).extracting(AuditVerification.Break::seq, AuditVerification.Break::kind)
                .containsExactly(lastSeq, Kind.TRUNCATED);
        assertThat(v.broken().file()).isEqualTo(first.getFileName().toString());

        // cut inside a line: the rotated file ends in a partial record
        byte[] bytes = Files.readAllBytes(first);
        Files.write(first, Arrays.copyOf(bytes, bytes.length - 40));
        assertThat(verify(1).broken().kind()).isEqualTo(Kind.TRUNCATED);
    }

    @Test
    void recordsMovedBetweenRotatedFilesAreReordered() throws Exception {
        try (AuditLog log = openRotating(0)) {
            fillBig(log, 1, 60);
        }
        List<Path> files = rotated();
        List<String> a = new ArrayList<>(lines(files.get(0)));
        List<String> b = new ArrayList<>(lines(files.get(1)));
        String moved = a.removeLast();
        b.add(1, moved); // the first file's last record now sits after the second file's first
        write(files.get(0), a);
        write(files.get(1), b);
        AuditVerification v = verify(1);
        // the first file ends early (its name says where it should end) and the missing record appears later
        assertThat(v.broken().kind()).isEqualTo(Kind.REORDERED);
        // checked from the second file on, the record out of place is reported as reordered too
        long firstOfSecond = Long.parseLong(files.get(0).getFileName().toString().substring(6, 25)) + 1;
        assertThat(verify(firstOfSecond).broken().kind()).isEqualTo(Kind.REORDERED);
    }

    @Test
    void retentionDeletingTheOldestFilesLeavesAnAnchoredIntactChain() throws Exception {
        try (AuditLog log = openRotating(1)) {
            fillBig(log, 1, 60);
        }
        AuditVerification v = verify(1);
        assertThat(v.state()).isEqualTo(State.INTACT);
        assertThat(v.anchored()).isTrue();
        assertThat(v.firstSeq()).isGreaterThan(1);
        assertThat(v.lastSeq()).isEqualTo(60);
    }
}
