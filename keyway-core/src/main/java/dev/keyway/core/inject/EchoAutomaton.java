package dev.keyway.core.inject;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An Aho–Corasick automaton over the byte patterns of a {@link Redactions}: one pass over a stream
 * finds every occurrence of every pattern, overlapping ones included, with no backtracking, so the
 * scan state is a single int that carries across chunks ({@link StreamRedactor}).
 *
 * <p>Why sparse: there are few, short patterns per request (a few forms of one or two values), so
 * the trie has a few hundred states with almost always one child each; the root alone has a dense
 * 256-entry table because most bytes of a response fall back to it. Building costs about the total
 * pattern length, paid once per response that is scanned.
 */
final class EchoAutomaton {
    static final EchoAutomaton EMPTY = new EchoAutomaton(new byte[0][]);

    /** Per state: depth (length of the prefix it stands for). */
    private final int[] depth;
    /** Per state: the failure link. */
    private final int[] fail;
    /** Per state: the index of the pattern ending here, or -1. */
    private final int[] out;
    /** Per state: the nearest state on the failure chain with a pattern, or -1. */
    private final int[] dict;
    /** Per state: first child, next sibling, and the byte labelling the edge into the state. */
    private final int[] firstChild;
    private final int[] nextSibling;
    private final byte[] label;
    /** The root's transitions (0 = back to the root). */
    private final int[] rootNext = new int[256];
    private final byte[][] replacements;
    /** The patterns themselves (the {@link Redactions}' arrays, wiped with them), for the skip table. */
    private final byte[][] patternsForSkip;
    private final int[] patternLength;
    private final int maxLength;
    /** The shortest pattern's length: the window of the skip. */
    private final int minLength;
    /** The skip's shift per hashed byte pair ({@link #skip}); built on the first long part. */
    private byte @Nullable [] shift;
    /** The shift of a window whose last three bytes occur in no pattern: the table's default. */
    private final int fullShift;

    private EchoAutomaton(byte[][] patterns) {
        int total = 1;
        for (byte[] p : patterns) {
            total += p.length;
        }
        depth = new int[total];
        fail = new int[total];
        out = new int[total];
        dict = new int[total];
        firstChild = new int[total];
        nextSibling = new int[total];
        label = new byte[total];
        Arrays.fill(out, -1);
        Arrays.fill(dict, -1);
        Arrays.fill(firstChild, -1);
        Arrays.fill(nextSibling, -1);
        replacements = new byte[patterns.length][];
        patternsForSkip = patterns;
        patternLength = new int[patterns.length];
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (byte[] p : patterns) {
            max = Math.max(max, p.length);
            min = Math.min(min, p.length);
        }
        maxLength = max;
        minLength = patterns.length == 0 ? 0 : min;
        fullShift = Math.max(0, Math.min(minLength - 2, Byte.MAX_VALUE));
    }

    static EchoAutomaton build(List<Redactions.Echo> echoes) {
        byte[][] values = new byte[echoes.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = echoes.get(i).value();
        }
        EchoAutomaton a = new EchoAutomaton(values);
        int states = 1;
        for (int i = 0; i < values.length; i++) {
            byte[] p = values[i];
            a.replacements[i] = echoes.get(i).replacement();
            a.patternLength[i] = p.length;
            int s = 0;
            for (byte b : p) {
                int c = a.child(s, b);
                if (c < 0) {
                    c = states++;
                    a.label[c] = b;
                    a.depth[c] = a.depth[s] + 1;
                    a.nextSibling[c] = a.firstChild[s];
                    a.firstChild[s] = c;
                    if (s == 0) {
                        a.rootNext[b & 0xff] = c;
                    }
                }
                s = c;
            }
            if (a.out[s] < 0) {
                a.out[s] = i;
            }
        }
        // breadth-first: failure links of shallower states are known when a state's is computed
        int[] queue = new int[states];
        int head = 0;
        int tail = 0;
        for (int c = a.firstChild[0]; c >= 0; c = a.nextSibling[c]) {
            a.fail[c] = 0;
            queue[tail++] = c;
        }
        while (head < tail) {
            int s = queue[head++];
            for (int c = a.firstChild[s]; c >= 0; c = a.nextSibling[c]) {
                int f = a.next(a.fail[s], a.label[c]);
                a.fail[c] = f;
                a.dict[c] = a.out[f] >= 0 ? f : a.dict[f];
                queue[tail++] = c;
            }
        }
        return a;
    }

    private int child(int s, byte b) {
        if (s == 0) {
            int c = rootNext[b & 0xff];
            return c == 0 ? -1 : c;
        }
        for (int c = firstChild[s]; c >= 0; c = nextSibling[c]) {
            if (label[c] == b) {
                return c;
            }
        }
        return -1;
    }

    /** The state after reading {@code b} in state {@code s}. */
    int next(int s, byte b) {
        while (s != 0) {
            for (int c = firstChild[s]; c >= 0; c = nextSibling[c]) {
                if (label[c] == b) {
                    return c;
                }
            }
            s = fail[s];
        }
        return rootNext[b & 0xff];
    }

    /** The root's transition on {@code b}: 0 when {@code b} starts no pattern (the common case, one lookup). */
    int fromRoot(byte b) {
        return rootNext[b & 0xff];
    }

    int depth(int s) {
        return depth[s];
    }

    /** The first state whose pattern ends at {@code s} (itself or on its failure chain), or -1. */
    int firstMatch(int s) {
        return out[s] >= 0 ? s : dict[s];
    }

    /** The next state with a pattern on the failure chain of {@code m}, or -1. */
    int nextMatch(int m) {
        return dict[m];
    }

    /** The pattern ending at match state {@code m}. */
    int pattern(int m) {
        return out[m];
    }

    int patternLength(int pattern) {
        return patternLength[pattern];
    }

    byte[] replacement(int pattern) {
        return replacements[pattern];
    }

    int maxLength() {
        return maxLength;
    }

    /**
     * The first index in {@code [from, end)} at which an occurrence may start, as far as the parts
     * of the input that hold a whole window can tell (a Wu–Manber skip over the shortest pattern's
     * length {@code m}, keyed by the window's last three bytes); at most the last {@code m - 1}
     * bytes before {@code end} are left to the per-byte scan. Every byte skipped starts no
     * occurrence, so a scan at the root may treat it as final raw output.
     *
     * <p>Why it is sound: for the window of {@code m} bytes starting at {@code p}, the table holds
     * for the three bytes ending the window the smallest {@code m - 1 - j} over every pattern whose
     * bytes {@code j - 2 .. j} (with {@code 2 <= j < m}) hash to the same bucket ({@code m - 2} when
     * there is none). An occurrence starting at {@code p + k} with {@code k <= m - 3} puts the
     * window's last three bytes at its positions {@code m - 3 - k .. m - 1 - k}, so that entry is at
     * most {@code k}: a shift {@code s} means no occurrence starts in {@code [p, p + s)}. Hash
     * collisions only make shifts smaller. Three bytes rather than two because secrets often contain
     * pairs that are common in text ({@code "en"}, {@code "12"}); triples of a random secret are rare
     * in ordinary text, so most windows move by {@code m - 2}.
     */
    int skip(byte[] in, int from, int end) {
        int m1 = minLength - 1;
        if (minLength < SKIP_MIN_PATTERN || end - from < SKIP_MIN_PART) {
            return from;
        }
        byte[] t = shiftTable();
        int full = fullShift;
        int p = from;
        while (p + m1 < end) {
            int e = p + m1;
            int s = t[bucket(in[e - 2], in[e - 1], in[e])];
            if (s == full) {
                // the common case, and a constant step: the next window's loads do not wait for this one's
                p += full;
                continue;
            }
            if (s == 0) {
                return p;
            }
            p += s;
        }
        return p;
    }

    /**
     * {@link #skip(byte[], int, int)} over a part that is not in an array (a direct buffer, read in
     * place by absolute index), so that a part's quiet start need not be copied before the scan.
     * The array version is kept separate on purpose: routing it through {@code ByteBuffer.wrap}
     * made the scan of 16 KiB parts 1.5–3× slower in a thread-CPU measurement.
     */
    int skip(ByteBuffer in, int from, int end) {
        int m1 = minLength - 1;
        if (minLength < SKIP_MIN_PATTERN || end - from < SKIP_MIN_PART) {
            return from;
        }
        byte[] t = shiftTable();
        int full = fullShift;
        int p = from;
        while (p + m1 < end) {
            int e = p + m1;
            int s = t[bucket(in.get(e - 2), in.get(e - 1), in.get(e))];
            if (s == full) {
                p += full;
                continue;
            }
            if (s == 0) {
                return p;
            }
            p += s;
        }
        return p;
    }

    /** Below this pattern length the skip gains nothing over the per-byte root fast path. */
    private static final int SKIP_MIN_PATTERN = 4;
    /** Parts shorter than this (header values, small SSE events) are not worth building the table for. */
    private static final int SKIP_MIN_PART = 256;
    private static final int BUCKET_BITS = 13;

    private static int bucket(byte a, byte b, byte c) {
        int key = (a & 0xff) << 16 | (b & 0xff) << 8 | (c & 0xff);
        return (key * 0x9E3779B1) >>> (32 - BUCKET_BITS);
    }

    private byte[] shiftTable() {
        byte[] t = shift;
        if (t == null) {
            int m = minLength;
            t = new byte[1 << BUCKET_BITS];
            Arrays.fill(t, (byte) fullShift);
            for (byte[] p : patternsForSkip) {
                for (int j = 2; j < m; j++) {
                    int b = bucket(p[j - 2], p[j - 1], p[j]);
                    int s = m - 1 - j;
                    if (s < t[b]) {
                        t[b] = (byte) s;
                    }
                }
            }
            shift = t;
        }
        return t;
    }

    /** Forgets the structure (it spells the patterns out). */
    void wipe() {
        byte[] t = shift;
        if (t != null) {
            Arrays.fill(t, (byte) 0);
        }
        Arrays.fill(label, (byte) 0);
        Arrays.fill(rootNext, 0);
        Arrays.fill(firstChild, -1);
    }
}
