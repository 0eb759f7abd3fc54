package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StreamRedactorTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Redactions redactions(String... patternAndReplacement) {
        List<Redactions.Echo> echoes = new ArrayList<>();
        for (int i = 0; i < patternAndReplacement.length; i += 2) {
            echoes.add(new Redactions.Echo(b(patternAndReplacement[i]), b(patternAndReplacement[i + 1])));
        }
        return Redactions.of(echoes);
    }

    /**
     * Reference semantics, by brute force over the whole input: mark every occurrence of every
     * pattern, merge overlapping occurrences into runs, replace each run by the replacement of its
     * first-starting occurrence (the shortest if several start there).
     */
    static String reference(String in, String... pr) {
        record Occ(int start, int end, int pattern) {}
        List<Occ> occ = new ArrayList<>();
        for (int i = 0; i < in.length(); i++) {
            for (int p = 0; p < pr.length; p += 2) {
                if (in.startsWith(pr[p], i) && firstIndexOf(pr, pr[p]) == p) {
                    occ.add(new Occ(i, i + pr[p].length() - 1, p));
                }
            }
        }
        occ.sort((x, y) -> x.start != y.start ? Integer.compare(x.start, y.start) : Integer.compare(x.end, y.end));
        StringBuilder out = new StringBuilder();
        int at = 0;
        int k = 0;
        while (k < occ.size()) {
            Occ first = occ.get(k);
            int end = first.end;
            k++;
            while (k < occ.size() && occ.get(k).start <= end) {
                end = Math.max(end, occ.get(k).end);
                k++;
            }
            out.append(in, at, first.start).append(pr[first.pattern + 1]);
            at = end + 1;
        }
        return out.append(in.substring(at)).toString();
    }

    private static int firstIndexOf(String[] pr, String pattern) {
        for (int p = 0; p < pr.length; p += 2) {
            if (pr[p].equals(pattern)) {
                return p;
            }
        }
        return -1;
    }

    /** Runs the input through the redactor in the given chunks; checks the hold-back bound after each. */
    static String stream(Redactions r, List<String> chunks) {
        StreamRedactor s = r.stream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteSink sink = (buf, off, len) -> out.write(buf, off, len);
        int max = r.maxLength();
        for (String c : chunks) {
            byte[] bytes = b(c);
            s.update(bytes, 0, bytes.length, sink);
            assertThat(s.heldBack()).isLessThanOrEqualTo(Math.max(0, max - 1));
        }
        s.finish(sink);
        assertThat(s.heldBack()).isZero();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * As {@link #stream}, but each chunk sits in a direct buffer, as a response part does: its quiet
     * start is passed in place ({@link StreamRedactor#passQuiet}) and written by the caller, and
     * only the rest goes through {@link StreamRedactor#update}.
     */
    static String streamPassingQuietStarts(Redactions r, List<String> chunks) {
        StreamRedactor s = r.stream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteSink sink = (buf, off, len) -> out.write(buf, off, len);
        for (String c : chunks) {
            byte[] bytes = b(c);
            java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(bytes.length + 5).position(5).slice();
            direct.put(0, bytes);
            int quiet = s.passQuiet(direct, 0, bytes.length);
            out.write(bytes, 0, quiet);
            s.update(bytes, quiet, bytes.length - quiet, sink);
        }
        s.finish(sink);
        assertThat(s.heldBack()).isZero();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("no pattern in input", "hello world", new String[] {"SECRET", "[R]"}),
                Arguments.of("whole input", "SECRET", new String[] {"SECRET", "[R]"}),
                Arguments.of("in JSON", "{\"auth\":\"Bearer SECRET\"}", new String[] {"SECRET", "[R]"}),
                Arguments.of("at end of stream", "abc SECRET", new String[] {"SECRET", "[R]"}),
                Arguments.of("prefix at end of stream", "abc SECRE", new String[] {"SECRET", "[R]"}),
                Arguments.of("repeated", "SECRETSECRET x SECRET", new String[] {"SECRET", "[R]"}),
                Arguments.of("self-overlapping pattern", "aaaaaaa", new String[] {"aaa", "[R]"}),
                Arguments.of("false start then match", "SECSECRET", new String[] {"SECRET", "[R]"}),
                Arguments.of("one inside another", "xx-abcdef-xx", new String[] {"abcdef", "[A]", "cd", "[B]"}),
                Arguments.of("shorter first", "xx-abcdef-xx", new String[] {"cd", "[B]", "abcdef", "[A]"}),
                Arguments.of("overlapping values", "--abcdef--", new String[] {"abcd", "[A]", "cdef", "[B]"}),
                Arguments.of("overlap, later first", "--abcdef--", new String[] {"cdef", "[B]", "abcd", "[A]"}),
                Arguments.of("adjacent stay separate", "abcdcdef", new String[] {"abcd", "[A]", "cdef", "[B]"}),
                Arguments.of("longer begins earlier", "zabcd", new String[] {"bc", "[B]", "zabcd", "[Z]"}),
                Arguments.of("chain of overlaps", "abababababx", new String[] {"aba", "[A]"}),
                Arguments.of("encoded forms", "u=a%2Bb&v=a+b&w=YTpi", new String[] {"a+b", "[R]", "a%2Bb", "[R]", "YTpi", "[B]"}),
                Arguments.of("single byte pattern", "x1y1z", new String[] {"1", "[R]"}),
                Arguments.of("binary bytes", "\u0000\u00ff\u0001SE\u00ffCRET", new String[] {"\u00ff\u0001SE\u00ff", "[R]"}),
                Arguments.of("duplicate value keeps first replacement", "abc", new String[] {"b", "[1]", "b", "[2]"}),
                Arguments.of("SSE frames", "data: {\"t\":\"SECRET\"}\n\ndata: SEC\n\ndata: SECRET\n\n",
                        new String[] {"SECRET", "[R]"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void wholeInputMatchesReference(String name, String input, String[] pr) {
        try (Redactions r = redactions(pr)) {
            assertThat(stream(r, List.of(input))).isEqualTo(reference(input, pr));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void splitAtEveryOffsetMatchesReference(String name, String input, String[] pr) {
        String expected = reference(input, pr);
        try (Redactions r = redactions(pr)) {
            for (int i = 0; i <= input.length(); i++) {
                assertThat(stream(r, List.of(input.substring(0, i), input.substring(i))))
                        .as("split at %d", i).isEqualTo(expected);
                for (int j = i; j <= input.length(); j++) {
                    assertThat(stream(r, List.of(input.substring(0, i), input.substring(i, j), input.substring(j))))
                            .as("split at %d and %d", i, j).isEqualTo(expected);
                }
            }
            List<String> bytes = new ArrayList<>();
            for (char c : input.toCharArray()) {
                bytes.add(String.valueOf(c));
            }
            assertThat(stream(r, bytes)).as("byte by byte").isEqualTo(expected);
        }
    }

    @Test
    void randomInputsMatchReference() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("StreamRedactorTest seed=" + seed + " (repeat with -Dseed=" + seed + ")");
        RandomGenerator rnd = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + rnd.nextInt(4);
            String[] pr = new String[n * 2];
            for (int p = 0; p < n; p++) {
                pr[2 * p] = randomString(rnd, 1 + rnd.nextInt(5));
                pr[2 * p + 1] = "[" + p + "]";
            }
            String input = randomString(rnd, rnd.nextInt(40));
            List<String> chunks = new ArrayList<>();
            int at = 0;
            while (at < input.length()) {
                int len = 1 + rnd.nextInt(Math.min(7, input.length() - at));
                chunks.add(input.substring(at, at + len));
                at += len;
            }
            try (Redactions r = redactions(pr)) {
                assertThat(stream(r, chunks)).as("seed %d round %d patterns %s input %s", seed, round,
                        Arrays.toString(pr), input).isEqualTo(reference(input, pr));
            }
        }
    }

    /**
     * Long parts take the window skip ({@code EchoAutomaton.skip}): patterns of 4 to 60 bytes are
     * planted (whole, overlapping, and cut short) into long inputs over a small alphabet (many near
     * misses) or all 256 byte values (bucket collisions), read in parts of up to 2,000 bytes; the
     * output must equal the brute-force reference, so a skip over a possible start would show here.
     */
    @Test
    void longPartsWithTheWindowSkipMatchReference() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("StreamRedactorTest long seed=" + seed + " (repeat with -Dseed=" + seed + ")");
        RandomGenerator rnd = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        for (int round = 0; round < 300; round++) {
            int alphabet = rnd.nextBoolean() ? 2 + rnd.nextInt(4) : 256;
            int n = 1 + rnd.nextInt(4);
            String[] pr = new String[n * 2];
            for (int p = 0; p < n; p++) {
                pr[2 * p] = randomBytes(rnd, 4 + rnd.nextInt(57), alphabet);
                pr[2 * p + 1] = "[" + p + "]";
            }
            StringBuilder in = new StringBuilder(randomBytes(rnd, rnd.nextInt(200), alphabet));
            int target = 300 + rnd.nextInt(5000);
            while (in.length() < target) {
                String pattern = pr[2 * rnd.nextInt(n)];
                switch (rnd.nextInt(4)) {
                    case 0 -> in.append(pattern);
                    case 1 -> in.append(pattern, 0, 1 + rnd.nextInt(pattern.length())); // cut short
                    case 2 -> in.append(pattern, rnd.nextInt(pattern.length()), pattern.length()); // a tail
                    default -> in.append(randomBytes(rnd, rnd.nextInt(300), alphabet));
                }
            }
            String input = in.toString();
            List<String> chunks = new ArrayList<>();
            int at = 0;
            while (at < input.length()) {
                int len = 1 + rnd.nextInt(Math.min(2000, input.length() - at));
                chunks.add(input.substring(at, at + len));
                at += len;
            }
            try (Redactions r = redactions(pr)) {
                String want = reference(input, pr);
                for (String got : List.of(stream(r, chunks), streamPassingQuietStarts(r, chunks))) {
                    // binary inputs make a whole-string diff unreadable: name the first difference
                    assertThat(Arrays.mismatch(got.toCharArray(), want.toCharArray()))
                            .as("seed %d round %d: first difference (output length %d, expected %d)", seed, round,
                                    got.length(), want.length())
                            .isEqualTo(-1);
                }
            }
        }
    }

    private static String randomBytes(RandomGenerator rnd, int len, int alphabet) {
        StringBuilder s = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            s.append((char) (alphabet == 256 ? rnd.nextInt(256) : 'a' + rnd.nextInt(alphabet)));
        }
        return s.toString();
    }

    private static String randomString(RandomGenerator rnd, int len) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            s.append((char) ('a' + rnd.nextInt(3)));
        }
        return s.toString();
    }

    @Test
    void streamKeepsFlowingWhenTheTailCannotStartAMatch() {
        try (Redactions r = redactions("SECRET", "[R]")) {
            StreamRedactor s = r.stream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] frame = b("data: hello\n\n");
            s.update(frame, 0, frame.length, out::write);
            assertThat(s.heldBack()).isZero();
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("data: hello\n\n");
            byte[] part = b("data: SECR");
            s.update(part, 0, part.length, out::write);
            assertThat(s.heldBack()).isEqualTo(4);
            byte[] rest = b("ET\n\n");
            s.update(rest, 0, rest.length, out::write);
            assertThat(s.heldBack()).isZero();
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("data: hello\n\ndata: [R]\n\n");
            assertThat(s.redactions()).isEqualTo(1);
        }
    }

    @Test
    void headerScanCountsAndLeavesCleanValuesAlone() {
        try (Redactions r = redactions("tok123", "[REDACTED:T]")) {
            Redactions.Scanned clean = r.scan("application/json");
            assertThat(clean.redactions()).isZero();
            Redactions.Scanned dirty = r.scan("Bearer tok123, again tok123");
            assertThat(dirty.value()).isEqualTo("Bearer [REDACTED:T], again [REDACTED:T]");
            assertThat(dirty.redactions()).isEqualTo(2);
        }
    }

    @Test
    void closeWipesTheValuesAndToStringNamesNone() {
        byte[] value = b("supersecret");
        Redactions r = Redactions.of(List.of(new Redactions.Echo(value, b("[R]"))));
        r.stream();
        assertThat(r.toString()).doesNotContain("supersecret");
        r.close();
        assertThat(value).containsOnly(0);
    }
}
