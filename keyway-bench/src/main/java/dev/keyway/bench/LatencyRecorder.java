package dev.keyway.bench;

/**
 * A fixed-bucket latency histogram (HdrHistogram is not available): microsecond values below 128
 * are kept exactly, larger ones in log-linear buckets of 64 per power of two, so any percentile is
 * reported within 1/64 (about 1.6%) of the true value, rounded up. Recording is a few arithmetic
 * operations and one array increment, with no allocation. Not thread-safe: each load-generator
 * connection owns one and they are {@link #merge merged} at the end.
 */
public final class LatencyRecorder {
    private static final int EXACT = 128;
    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    /** Enough buckets for any non-negative long. */
    private static final int BUCKETS = EXACT + (63 - SUB_BITS) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max;

    /** Records one value in microseconds; negative values count as 0. */
    public void record(long micros) {
        long v = Math.max(0, micros);
        counts[index(v)]++;
        count++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
    }

    /** Adds every value recorded by {@code other} to this recorder. */
    public void merge(LatencyRecorder other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        count += other.count;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    public long count() {
        return count;
    }

    /** Largest recorded value, exact; 0 when empty. */
    public long max() {
        return max;
    }

    /** Smallest recorded value, exact; 0 when empty. */
    public long min() {
        return count == 0 ? 0 : min;
    }

    /** Arithmetic mean; 0 when empty. */
    public double mean() {
        return count == 0 ? 0 : (double) sum / count;
    }

    /**
     * The value at percentile {@code p} (0 to 100): the smallest bucket upper bound at or below which
     * at least {@code p}% of the values lie, never above {@link #max()}. 0 when empty.
     */
    public long percentile(double p) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(Math.min(100, Math.max(0, p)) / 100.0 * count));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(Math.max(upperBound(i), min()), max);
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < EXACT) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);
        int shift = msb - SUB_BITS;
        long top = v >>> shift; // in [SUB, 2 * SUB)
        return EXACT + (shift - 1) * SUB + (int) (top - SUB);
    }

    /** The largest value that falls into bucket {@code i}. */
    static long upperBound(int i) {
        if (i < EXACT) {
            return i;
        }
        int shift = (i - EXACT) / SUB + 1;
        long top = SUB + (i - EXACT) % SUB;
        long upper = ((top + 1) << shift) - 1;
        return upper < 0 ? Long.MAX_VALUE : upper;
    }
}
