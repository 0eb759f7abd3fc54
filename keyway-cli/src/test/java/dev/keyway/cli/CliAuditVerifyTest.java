package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyway audit verify} against a real server: intact logs exit 0 with the count, a record
 * edited in the file exits 5 naming it, and the chain survives a master-key rotation and restarts
 * (the chain key is re-sealed, not replaced). {@code audit tail} still reads the chained records.
 */
class CliAuditVerifyTest {
    @TempDir
    Path dir;

    @Test
    void verifiesEditsAndSurvivesRotationAndRestart() throws Exception {
        try (CliHarness kw = CliHarness.start(dir)) {
            kw.cli("vault", "create", "second").ok();
            kw.cli("vault", "create", "third").ok();
            var ok = kw.cli("audit", "verify").ok();
            assertThat(ok.out()).containsPattern("audit log intact: \\d+ records checked \\(seq 1\\.\\.\\d+\\)");

            var json = kw.cli("audit", "verify", "--json").ok().json();
            assertThat(json.path("state").asString()).isEqualTo("intact");
            assertThat(json.path("checked").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(json.has("break")).isFalse();

            // the tail and the API still read the records; the chain value is not part of them
            var tail = kw.cli("audit", "tail", "-n", "50", "--json").ok().out();
            assertThat(tail).contains("vault.create").doesNotContain("\"chain\"");

            kw.cli("master-key", "rotate").ok();
            kw.restart();
            kw.cli("vault", "create", "fourth").ok();
            var after = kw.cli("audit", "verify", "--json").ok().json();
            assertThat(after.path("state").asString()).isEqualTo("intact");
            assertThat(after.path("first_seq").asLong()).isEqualTo(1);
            assertThat(after.path("checked").asLong()).isEqualTo(after.path("last_seq").asLong());

            // someone with write access to the data dir edits a record
            Path log = dir.resolve("audit.jsonl");
            List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
            int i = indexOf(lines, "\"action\":\"vault.create\",\"vault\":\"third\"");
            long seq = Long.parseLong(lines.get(i).replaceFirst("^\\{\"seq\":(\\d+),.*", "$1"));
            lines.set(i, lines.get(i).replace("\"action\":\"vault.create\",\"vault\":\"third\"", "\"name\":\"other\""));
            Files.writeString(log, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);

            var broken = kw.cli("audit", "verify").expect(ExitCodes.CONFLICT);
            assertThat(broken.out()).contains("audit chain BROKEN at record " + seq + " (audit.jsonl line " + (i + 1) + "): edited:")
                    .contains((seq - 1) + " records before it verified");
            var brokenJson = kw.cli("audit", "verify", "--json").expect(ExitCodes.CONFLICT).json();
            assertThat(brokenJson.path("state").asString()).isEqualTo("broken");
            assertThat(brokenJson.path("break").path("kind").asString()).isEqualTo("edited");
            assertThat(brokenJson.path("break").path("seq").asLong()).isEqualTo(seq);

            // --from after the edit: the rest of the chain is intact
            var from = kw.cli("audit", "verify", "--from", String.valueOf(seq + 1)).ok();
            assertThat(from.out()).contains("records checked (seq " + (seq + 1) + "..");
            kw.cli("audit", "verify", "--from", "0").expect(ExitCodes.USAGE);
        }
    }

    private static int indexOf(List<String> lines, String needle) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(needle)) {
                return i;
            }
        }
        throw new AssertionError("no audit line contains " + needle);
    }
}
