package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

class BodySubstitutionTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reference semantics: one left-to-right pass over the whole input. */
    private static byte[] reference(byte[] in, List<String[]> rules) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        outer:
        while (i < in.length) {
            for (String[] r : rules) {
                byte[] p = b(r[0]);
                if (i + p.length <= in.length && Arrays.equals(in, i, i + p.length, p, 0, p.length)) {
                    out.writeBytes(b(r[1]));
                    i += p.length;
                    continue outer;
                }
            }
            out.write(in[i++]);
        }
        return out.toByteArray();
    }

    private static BodySubstitution substitution(List<String[]> rules) {
        List<BodySubstitution.Rule> list = new ArrayList<>();
        for (String[] r : rules) {
            list.add(new BodySubstitution.Rule(b(r[0]), b(r[1])));
        }
        return new BodySubstitution(list);
    }

    /** Feeds {@code in} split at the given cut positions and returns the concatenated output. */
    private static byte[] run(List<String[]> rules, byte[] in, int... cuts) {
        BodySubstitution s = substitution(rules);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int cut : cuts) {
            out.writeBytes(s.update(Arrays.copyOfRange(in, from, cut)));
            from = cut;
        }
        out.writeBytes(s.update(Arrays.copyOfRange(in, from, in.length)));
        out.writeBytes(s.finish());
        return out.toByteArray();
    }

    static Stream<Arguments> cases() {
        List<String[]> one = List.<String[]>of(new String[] {"__KEY__", "sk-real-secret-value"});
        List<String[]> shorter = List.<String[]>of(new String[] {"__LONG_PLACEHOLDER__", "x"});
        List<String[]> empty = List.<String[]>of(new String[] {"__KEY__", ""});
        List<String[]> two = List.<String[]>of(
                new String[] {"__KEY__", "AAAA"}, new String[] {"<<TOKEN_B>>", "bbbbbbbbbbbbbbbbbbbbbb"});
        return Stream.of(
                Arguments.of("middle", one, "{\"key\":\"__KEY__\",\"x\":1}"),
                Arguments.of("start and end", one, "__KEY__ and __KEY__"),
                Arguments.of("adjacent", one, "__KEY____KEY____KEY__"),
                Arguments.of("near misses", one, "__KEY_ __KEY _KEY__ ___KEY__ __KE__KEY__Y__"),
                Arguments.of("only placeholder", one, "__KEY__"),
                Arguments.of("no placeholder", one, "nothing to see here, move along"),
                Arguments.of("prefix at end", one, "abc __KEY_"),
                Arguments.of("shorter value", shorter, "a__LONG_PLACEHOLDER__b__LONG_PLACEHOLDER__"),
                Arguments.of("empty value", empty, "[__KEY__][__KEY__]"),
                Arguments.of("two placeholders", two, "a__KEY__b<<TOKEN_B>>c<<TOKEN___KEY__>><<TOKEN_B>>__KEY__"),
                Arguments.of("utf-8 around", one, "héllo __KEY__ wörld ✓"));
    }

    @ParameterizedTest(name = "{0}: every single split point")
    @MethodSource("cases")
    void everySingleSplitPoint(String name, List<String[]> rules, String body) {
        byte[] in = b(body);
        byte[] expected = reference(in, rules);
        assertThat(run(rules, in)).isEqualTo(expected);
        for (int cut = 0; cut <= in.length; cut++) {
            assertThat(run(rules, in, cut)).as("cut at %d", cut).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}: every pair of split points")
    @MethodSource("cases")
    void everyPairOfSplitPoints(String name, List<String[]> rules, String body) {
        byte[] in = b(body);
        byte[] expected = reference(in, rules);
        for (int a = 0; a <= in.length; a++) {
            for (int c = a; c <= in.length; c++) {
                assertThat(run(rules, in, a, c)).as("cuts at %d,%d", a, c).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest(name = "{0}: byte by byte")
    @MethodSource("cases")
    void byteByByte(String name, List<String[]> rules, String body) {
        byte[] in = b(body);
        int[] cuts = new int[Math.max(0, in.length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        assertThat(run(rules, in, cuts)).isEqualTo(reference(in, rules));
    }

    @Test
    void randomBodiesAndChunkings() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("BodySubstitutionTest.randomBodiesAndChunkings seed=" + seed + " (rerun with -Dseed=" + seed + ")");
        RandomGenerator rnd = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        List<String[]> rules = List.<String[]>of(
                new String[] {"__KEY__", "VALUE-1"}, new String[] {"#TOK#", "a much longer second value"});
        String alphabet = "_KEY#TOab";
        for (int round = 0; round < 500; round++) {
            StringBuilder body = new StringBuilder();
            int parts = rnd.nextInt(1, 30);
            for (int p = 0; p < parts; p++) {
                int kind = rnd.nextInt(4);
                if (kind == 0) {
                    body.append("__KEY__");
                } else if (kind == 1) {
                    body.append("#TOK#");
                } else {
                    int n = rnd.nextInt(1, 8);
                    for (int k = 0; k < n; k++) {
                        body.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                    }
                }
            }
            byte[] in = b(body.toString());
            int cutCount = rnd.nextInt(0, Math.min(in.length, 12) + 1);
            int[] cuts = rnd.ints(cutCount, 0, in.length + 1).sorted().toArray();
            assertThat(run(rules, in, cuts))
                    .as("seed %d round %d body %s cuts %s", seed, round, body, Arrays.toString(cuts))
                    .isEqualTo(reference(in, rules));
        }
    }

    @Test
    void holdsBackAtMostPlaceholderLengthMinusOne() {
        BodySubstitution s = substitution(List.<String[]>of(new String[] {"__KEY__", "v"}));
        assertThat(s.update(b("0123456789__KE"))).isEqualTo(b("01234567"));
        assertThat(s.update(b("Y__!"))).isEqualTo(b("89v"));
        assertThat(s.finish()).isEqualTo(b("!"));
    }

    @Test
    void largeBodyWithManyPlaceholders() {
        String chunk = "x".repeat(1000) + "__KEY__";
        byte[] in = b(chunk.repeat(1000));
        List<String[]> rules = List.<String[]>of(new String[] {"__KEY__", "secret"});
        int[] cuts = new int[100];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = (i + 1) * 8191;
        }
        byte[] out = run(rules, in, cuts);
        assertThat(out).hasSize(1000 * (1000 + 6));
        assertThat(out).isEqualTo(reference(in, rules));
    }

    @Test
    void finishWipesValuesAndRejectsReuse() {
        byte[] value = b("secret");
        BodySubstitution s = new BodySubstitution(List.of(new BodySubstitution.Rule(b("__KEY__"), value)));
        s.update(b("a__KEY__"));
        s.finish();
        assertThat(value).containsOnly(0);
        assertThatThrownBy(() -> s.update(b("x"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(s::finish).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsAmbiguousRules() {
        assertThatThrownBy(() -> new BodySubstitution(List.of(
                        new BodySubstitution.Rule(b("__KEY__"), b("a")), new BodySubstitution.Rule(b("KEY"), b("b")))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BodySubstitution(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringHidesValues() {
        BodySubstitution.Rule r = new BodySubstitution.Rule(b("__KEY__"), b("topsecret"));
        assertThat(r.toString()).doesNotContain("topsecret").doesNotContain("__KEY__");
        assertThat(new BodySubstitution(List.of(r)).toString()).doesNotContain("topsecret");
    }

    @Test
    void textSubstitutionReplacesEveryPlaceholder() {
        TextSubstitution t = new TextSubstitution(List.of(
                new TextSubstitution.Rule("__KEY__", "k"), new TextSubstitution.Rule("<<B>>", "bee")));
        assertThat(t.rewrite("{\"a\":\"__KEY__\",\"b\":\"<<B>>__KEY__\"}")).isEqualTo("{\"a\":\"k\",\"b\":\"beek\"}");
        String untouched = "nothing here";
        assertThat(t.rewrite(untouched)).isSameAs(untouched);
        assertThat(t.rewrite("")).isEmpty();
        assertThat(new TextSubstitution.Rule("__KEY__", "topsecret").toString()).doesNotContain("topsecret");
    }
}
