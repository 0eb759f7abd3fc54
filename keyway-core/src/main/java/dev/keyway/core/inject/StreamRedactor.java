package dev.keyway.core.inject;

import java.nio.ByteBuffer;

/**
 * Replaces every occurrence of a {@link Redactions} pattern in a byte stream that arrives in
 * chunks: an occurrence split across chunks (HTTP chunks, TLS records, reads) is found exactly as
 * a whole one. Output flows as soon as it is decided: at most the longest pattern's length minus
 * one byte is held back (the bytes that may still begin an occurrence), so an SSE or chunked stream
 * keeps flowing, and nothing is ever buffered whole.
 *
 * <h2>Semantics</h2>
 * The bytes covered by any occurrence are replaced; occurrences that overlap (two values sharing
 * bytes, or one pattern inside another) merge into one run, replaced once by the replacement of the
 * occurrence that starts first (the shortest one if several start there). Occurrences that merely
 * touch stay separate. Nothing of a covered byte ever reaches the output.
 *
 * <h2>Why it holds back so little</h2>
 * The automaton's state is the longest suffix of the input that is a prefix of some pattern; its
 * depth {@code d} says that every future occurrence starts at or after {@code pos - d}. So every
 * earlier byte is final: emitted raw, or part of a run that is replaced once the run can no longer
 * grow. Only the last {@code d < maxLength} raw bytes are kept, in a small ring.
 *
 * <p>One instance per stream; not thread-safe.
 */
public final class StreamRedactor {
    private final EchoAutomaton a;
    private final byte[] ring;
    private final int ringMask;
    private int state;
    /** Bytes read so far (the position of the next byte). */
    private long pos;
    /** The first position neither emitted nor replaced. */
    private long held;
    /** Pending runs (disjoint, ordered): start, end (inclusive), pattern of the first occurrence. */
    private long[] runStart = new long[4];
    private long[] runEnd = new long[4];
    private int[] runPattern = new int[4];
    private int runHead;
    private int runCount;
    private int redactions;
    /** Raw output decided but not yet written: positions [rawFrom, rawTo). */
    private long rawFrom;
    private long rawTo;
    /** The chunk being read: position of its first byte, and where it is. */
    private long chunkStart;
    private byte[] chunk = new byte[0];
    private int chunkOff;

    StreamRedactor(EchoAutomaton a) {
        this.a = a;
        int size = Integer.highestOneBit(Math.max(1, a.maxLength())) * 2;
        this.ring = new byte[size];
        this.ringMask = size - 1;
    }

    /** Occurrences replaced so far (merged overlapping ones count once). */
    public int redactions() {
        return redactions;
    }

    /** Bytes currently held back (never more than the longest pattern's length minus one). */
    public int heldBack() {
        long n = pos - held;
        for (int i = 0; i < runCount; i++) {
            int at = (runHead + i) & (runStart.length - 1);
            n -= Math.min(pos, runEnd[at] + 1) - Math.max(held, runStart[at]);
        }
        return (int) n;
    }

    /** Reads {@code len} bytes and writes whatever output they decide. */
    public void update(byte[] in, int off, int len, ByteSink outSink) {
        chunk = in;
        chunkOff = off;
        chunkStart = pos;
        EchoAutomaton a = this.a;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (state == 0 && runCount == 0) {
                // at the root with nothing pending, bytes that start no occurrence are final and raw:
                // skip them a window at a time, then one table lookup per byte; they are emitted
                // (from the chunk) by the next settle and need no ring copy
                int j = a.skip(in, i, end);
                pos += j - i;
                i = j;
                if (a.fromRoot(in[i]) == 0) {
                    pos++;
                    continue;
                }
            }
            byte b = in[i];
            ring[(int) (pos & ringMask)] = b;
            state = a.next(state, b);
            pos++;
            for (int m = a.firstMatch(state); m >= 0; m = a.nextMatch(m)) {
                int p = a.pattern(m);
                addOccurrence(pos - a.patternLength(p), pos - 1, p);
            }
            settle(pos - a.depth(state), outSink);
        }
        settle(pos - a.depth(state), outSink);
        flushRaw(outSink);
        chunk = new byte[0];
        chunkStart = pos;
    }

    /**
     * Reads the quiet start of a part without copying it: when nothing is pending (no possible
     * occurrence under way, nothing held back), the bytes at the start of {@code in[from, end)} in
     * which no occurrence can start ({@link EchoAutomaton#skip}) are final raw output. They are
     * counted as read and their count returned; writing them is left to the caller, in order
     * before whatever the next {@link #update} writes. Returns 0 when something is pending.
     *
     * <p>Why: a response part usually sits in a direct buffer, and the per-byte scan reads arrays;
     * most of a part is decided by the skip alone, so only its tail needs the copy.
     */
    public int passQuiet(ByteBuffer in, int from, int end) {
        if (state != 0 || runCount != 0 || held != pos || rawFrom != rawTo) {
            return 0;
        }
        int quiet = a.skip(in, from, end) - from;
        pos += quiet;
        held = pos;
        rawFrom = rawTo = pos;
        chunkStart = pos;
        return quiet;
    }

    /** The stream ended: everything held back is decided and written. */
    public void finish(ByteSink outSink) {
        settle(pos, outSink);
        flushRaw(outSink);
    }

    /** Reported in order of end position, and longest first for the same end. */
    private void addOccurrence(long start, long end, int pattern) {
        while (runCount > 0) {
            int last = (runHead + runCount - 1) & (runStart.length - 1);
            if (runEnd[last] < start) {
                break;
            }
            if (runStart[last] <= start) {
                start = runStart[last];
                pattern = runPattern[last];
            }
            runCount--;
        }
        if (runCount == runStart.length) {
            grow();
        }
        int slot = (runHead + runCount) & (runStart.length - 1);
        runStart[slot] = start;
        runEnd[slot] = end;
        runPattern[slot] = pattern;
        runCount++;
    }

    private void grow() {
        int n = runStart.length;
        long[] s = new long[n * 2];
        long[] e = new long[n * 2];
        int[] p = new int[n * 2];
        for (int i = 0; i < runCount; i++) {
            int from = (runHead + i) & (n - 1);
            s[i] = runStart[from];
            e[i] = runEnd[from];
            p[i] = runPattern[from];
        }
        runStart = s;
        runEnd = e;
        runPattern = p;
        runHead = 0;
    }

    /** Every position before {@code finalBefore} is final: emit raw bytes and replace closed runs. */
    private void settle(long finalBefore, ByteSink outSink) {
        while (true) {
            long limit = finalBefore;
            boolean run = runCount > 0;
            if (run && runStart[runHead] < limit) {
                limit = runStart[runHead];
            }
            if (held < limit) {
                emitRaw(held, limit, outSink);
                held = limit;
            }
            if (run && runEnd[runHead] < finalBefore) {
                flushRaw(outSink);
                byte[] r = a.replacement(runPattern[runHead]);
                outSink.write(r, 0, r.length);
                held = runEnd[runHead] + 1;
                runHead = (runHead + 1) & (runStart.length - 1);
                runCount--;
                redactions++;
                continue;
            }
            return;
        }
    }

    private void emitRaw(long from, long to, ByteSink outSink) {
        if (rawTo != rawFrom && rawTo != from) {
            flushRaw(outSink);
        }
        if (rawTo == rawFrom) {
            rawFrom = from;
        }
        rawTo = to;
        if (from < chunkStart) {
            // bytes of an earlier chunk live only in the ring, which the current chunk overwrites: write them now
            flushRaw(outSink);
        }
    }

    private void flushRaw(ByteSink outSink) {
        long from = rawFrom;
        long to = rawTo;
        if (from == to) {
            return;
        }
        rawFrom = rawTo = to;
        long ringEnd = Math.min(to, chunkStart);
        for (long p = from; p < ringEnd; ) {
            int at = (int) (p & ringMask);
            int n = (int) Math.min(ringEnd - p, ring.length - at);
            outSink.write(ring, at, n);
            p += n;
        }
        if (to > chunkStart) {
            long start = Math.max(from, chunkStart);
            outSink.write(chunk, chunkOff + (int) (start - chunkStart), (int) (to - start));
        }
    }

    /** Forgets the held-back bytes. */
    public void wipe() {
        java.util.Arrays.fill(ring, (byte) 0);
    }
}
