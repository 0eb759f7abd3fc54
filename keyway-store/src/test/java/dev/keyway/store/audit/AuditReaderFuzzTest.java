package dev.keyway.store.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.LinkedHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzz target for the audit reader: whatever a crash, a full disk or a hand edit left in {@code
 * audit.jsonl}, recovery cuts only a torn last line and finds the same last sequence number as a
 * plain forward read, and queries neither throw nor return records out of order (newest-first
 * strictly descending, tailing strictly ascending and after its cursor).
 */
class AuditReaderFuzzTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();
    private static final Path FILE;

    static {
        try {
            Path dir = Files.createTempDirectory("audit-fuzz");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("audit.jsonl");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void fuzzerTestOneInput(byte[] data) throws IOException {
        FuzzInput in = FuzzInput.of(data);
        int limit = 1 + in.intIn(0, 20);
        long since = in.intIn(0, 10);
        byte[] content = in.rest();
        Files.write(FILE, content);
        AuditFile reader = new AuditFile(FILE, MAPPER);

        List<Map<String, Object>> newest = reader.query(new AuditQuery(null, null, null, 0, limit, true));
        assertThat(newest.size()).isLessThanOrEqualTo(limit);
        assertStrictly(newest, -1);
        List<Map<String, Object>> tail = reader.query(AuditQuery.after(since, limit));
        assertThat(tail.size()).isLessThanOrEqualTo(limit);
        assertStrictly(tail, +1);
        tail.forEach(r -> assertThat((Long) r.get("seq")).isGreaterThan(since));

        long expected = lastSeqOfCompleteLines(content);
        assertThat(reader.recover()).isEqualTo(expected);
        byte[] after = Files.readAllBytes(FILE);
        int lastNl = lastIndexOf(content, (byte) '\n');
        assertThat(after.length).as("only a torn last line is cut").isEqualTo(lastNl + 1);
    }

    private static void assertStrictly(List<Map<String, Object>> records, int direction) {
        Long prev = null;
        for (Map<String, Object> r : records) {
            if (r.get("seq") instanceof Long seq) {
                if (prev != null) {
                    assertThat(Long.compare(seq, prev)).isEqualTo(direction);
                }
                prev = seq;
            }
        }
    }

    /** The oracle: read complete lines forwards, keep the last parseable object's numeric seq. */
    private static long lastSeqOfCompleteLines(byte[] content) {
        int end = lastIndexOf(content, (byte) '\n');
        long last = 0;
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (content[i] != '\n') {
                continue;
            }
            byte[] line = java.util.Arrays.copyOfRange(content, start, i);
            start = i + 1;
            if (new String(line, StandardCharsets.UTF_8).isBlank()) {
                continue;
            }
            try {
                Map<String, Object> rec = MAPPER.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {});
                if (rec != null && rec.get("seq") instanceof Long seq) {
                    last = seq;
                }
            } catch (JacksonException e) {
                // unreadable: recovery skips it too
            }
        }
        return last;
    }

    private static int lastIndexOf(byte[] a, byte b) {
        for (int i = a.length - 1; i >= 0; i--) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, d -> {
            try {
                fuzzerTestOneInput(d);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(AuditReaderFuzzTest.class, 500);
    }
}
