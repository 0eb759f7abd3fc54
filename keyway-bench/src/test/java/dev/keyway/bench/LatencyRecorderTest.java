package dev.keyway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LatencyRecorderTest {

    @Test
    void emptyRecorderReportsZeros() {
        LatencyRecorder r = new LatencyRecorder();
        assertThat(r.count()).isZero();
        assertThat(r.percentile(50)).isZero();
        assertThat(r.max()).isZero();
        assertThat(r.min()).isZero();
        assertThat(r.mean()).isZero();
    }

    @Test
    void smallValuesAreExact() {
        LatencyRecorder r = new LatencyRecorder();
        for (int v = 1; v <= 100; v++) {
            r.record(v);
        }
        assertThat(r.percentile(50)).isEqualTo(50);
        assertThat(r.percentile(90)).isEqualTo(90);
        assertThat(r.percentile(99)).isEqualTo(99);
        assertThat(r.percentile(100)).isEqualTo(100);
        assertThat(r.percentile(0)).isEqualTo(1);
        assertThat(r.mean()).isEqualTo(50.5);
    }

    static Stream<Arguments> distributions() {
        return Stream.of(
                Arguments.of("uniform 1..1e6", 1L, 1_000_000L),
                Arguments.of("uniform 1e3..1e4", 1_000L, 10_000L),
                Arguments.of("uniform 1..3e8 (5 min)", 1L, 300_000_000L));
    }

    /** Against the exact percentiles of a sorted array: always at or above, within 1/64. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("distributions")
    void percentilesAreWithinBucketPrecisionOfExactOnes(String name, long lo, long hi) {
        long seed = Long.getLong("seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        LatencyRecorder r = new LatencyRecorder();
        long[] values = new long[50_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextLong(lo, hi + 1);
            r.record(values[i]);
        }
        Arrays.sort(values);
        for (double p : new double[] {50, 90, 99, 99.9}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            assertThat(r.percentile(p)).as("p%s with -Dseed=%d", p, seed)
                    .isGreaterThanOrEqualTo(exact)
                    .isCloseTo(exact, within(exact / 64 + 1));
        }
        assertThat(r.max()).isEqualTo(values[values.length - 1]);
        assertThat(r.min()).isEqualTo(values[0]);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 127, 128, 129, 255, 256, 1_000, 65_535, 1L << 40, Long.MAX_VALUE})
    void everyValueFallsIntoABucketThatContainsIt(long v) {
        int i = LatencyRecorder.index(v);
        assertThat(LatencyRecorder.upperBound(i)).isGreaterThanOrEqualTo(v);
        if (i > 0) {
            assertThat(LatencyRecorder.upperBound(i - 1)).isLessThan(v);
        }
    }

    @Test
    void mergeAddsCountsAndKeepsExtremes() {
        LatencyRecorder a = new LatencyRecorder();
        LatencyRecorder b = new LatencyRecorder();
        for (int v = 1; v <= 50; v++) {
            a.record(v);
        }
        for (int v = 51; v <= 100; v++) {
            b.record(v);
        }
        a.merge(b);
        assertThat(a.count()).isEqualTo(100);
        assertThat(a.percentile(50)).isEqualTo(50);
        assertThat(a.percentile(75)).isEqualTo(75);
        assertThat(a.min()).isEqualTo(1);
        assertThat(a.max()).isEqualTo(100);
    }

    @Test
    void negativeValuesCountAsZero() {
        LatencyRecorder r = new LatencyRecorder();
        r.record(-5);
        assertThat(r.max()).isZero();
        assertThat(r.count()).isEqualTo(1);
    }
}
