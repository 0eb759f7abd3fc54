package dev.keyway.core.inject;

import java.util.Arrays;
import java.util.List;

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
    private final int[] patternLength;
    private final int maxLength;

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
        patternLength = new int[patterns.length];
        int max = 0;
        for (byte[] p : patterns) {
            max = Math.max(max, p.length);
        }
        maxLength = max;
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

    /** Forgets the structure (it spells the patterns out). */
    void wipe() {
        Arrays.fill(label, (byte) 0);
        Arrays.fill(rootNext, 0);
        Arrays.fill(firstChild, -1);
    }
}
