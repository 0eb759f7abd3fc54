package dev.keyway.core.inject;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Streaming placeholder replacement for a request body: feed chunks to {@link #update}, then call
 * {@link #finish}; concatenated, the outputs are the input with every placeholder replaced by its
 * value, however the input was chunked. One instance per request, not thread-safe. The method
 * shapes match the proxy SPI's body rewriter, so {@code update}/{@code finish} adapt directly.
 *
 * <p>A placeholder may be split across chunks, so up to (longest placeholder − 1) bytes of each
 * chunk's tail are held back until the next chunk or {@code finish}. Several placeholders are
 * supported; none may contain another (validated per vault), so at most one matches at any
 * position. Matching is on raw bytes: a compressed or otherwise encoded body is not rewritten.
 *
 * <p>The instance owns the value arrays it is given and wipes them in {@link #finish}. The output
 * arrays contain the credential: the caller writes them out and drops them.
 */
public final class BodySubstitution {

    /**
     * One placeholder and the bytes that replace it. {@code toString()} shows lengths only.
     *
     * @param placeholder the bytes to find (non-empty)
     * @param value the replacement; owned (and wiped) by the substitution
     */
    public record Rule(byte[] placeholder, byte[] value) {
        public Rule {
            Objects.requireNonNull(placeholder, "placeholder");
            Objects.requireNonNull(value, "value");
            if (placeholder.length == 0) {
                throw new IllegalArgumentException("empty placeholder");
            }
        }

        @Override
        public String toString() {
            return "Rule[placeholder " + placeholder.length + " bytes, value " + value.length + " bytes]";
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private final Rule[] rules;
    private final int maxLen;
    private byte[] carry = EMPTY;
    private boolean finished;

    /**
     * @param rules the placeholders to replace; none may contain another
     * @throws IllegalArgumentException when the list is empty or one placeholder contains another
     */
    public BodySubstitution(List<Rule> rules) {
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("no rules");
        }
        this.rules = rules.toArray(Rule[]::new);
        int max = 0;
        for (int i = 0; i < this.rules.length; i++) {
            max = Math.max(max, this.rules[i].placeholder.length);
            for (int j = 0; j < this.rules.length; j++) {
                if (i != j && indexOf(this.rules[i].placeholder, this.rules[j].placeholder) >= 0) {
                    throw new IllegalArgumentException("placeholder " + j + " is contained in placeholder " + i);
                }
            }
        }
        this.maxLen = max;
    }

    /** Consumes the next chunk and returns the bytes that can be emitted now (possibly empty). */
    public byte[] update(byte[] chunk) {
        if (finished) {
            throw new IllegalStateException("update after finish");
        }
        if (chunk.length == 0) {
            return EMPTY;
        }
        byte[] data;
        if (carry.length == 0) {
            data = chunk;
        } else {
            data = Arrays.copyOf(carry, carry.length + chunk.length);
            System.arraycopy(chunk, 0, data, carry.length, chunk.length);
        }
        return process(data, false);
    }

    /** Signals the end of the body, returns the remaining bytes and wipes the values. */
    public byte[] finish() {
        if (finished) {
            throw new IllegalStateException("finish called twice");
        }
        byte[] out = process(carry, true);
        finished = true;
        carry = EMPTY;
        for (Rule r : rules) {
            Arrays.fill(r.value, (byte) 0);
        }
        return out;
    }

    private byte[] process(byte[] data, boolean last) {
        int len = data.length;
        // positions below `limit` can be decided now: every placeholder fits in the remaining data
        int limit = last ? len : len - (maxLen - 1);
        // first pass: find the matches (position and rule), so the output is allocated exactly once
        // and no intermediate buffer holding the credential is left behind
        int[] hits = null;
        int hitCount = 0;
        int outLen = 0;
        int i = 0;
        while (i < limit) {
            int r = ruleAt(data, i);
            if (r < 0) {
                i++;
                continue;
            }
            if (hits == null) {
                hits = new int[8];
            } else if (hitCount * 2 == hits.length) {
                hits = Arrays.copyOf(hits, hits.length * 2);
            }
            hits[hitCount * 2] = i;
            hits[hitCount * 2 + 1] = r;
            hitCount++;
            outLen += rules[r].value.length - rules[r].placeholder.length;
            i += rules[r].placeholder.length;
        }
        int keep = Math.min(i, len);
        carry = keep < len ? Arrays.copyOfRange(data, keep, len) : EMPTY;
        if (hitCount == 0 || hits == null) {
            return Arrays.copyOf(data, keep);
        }
        byte[] out = new byte[keep + outLen];
        int from = 0;
        int o = 0;
        for (int h = 0; h < hitCount; h++) {
            int at = hits[h * 2];
            Rule r = rules[hits[h * 2 + 1]];
            System.arraycopy(data, from, out, o, at - from);
            o += at - from;
            System.arraycopy(r.value, 0, out, o, r.value.length);
            o += r.value.length;
            from = at + r.placeholder.length;
        }
        System.arraycopy(data, from, out, o, keep - from);
        return out;
    }

    /** Index of the rule whose placeholder starts at {@code i}, or -1. */
    private int ruleAt(byte[] data, int i) {
        byte b = data[i];
        for (int k = 0; k < rules.length; k++) {
            byte[] p = rules[k].placeholder;
            if (p[0] == b && i + p.length <= data.length && regionEquals(data, i, p)) {
                return k;
            }
        }
        return -1;
    }

    private static boolean regionEquals(byte[] data, int offset, byte[] p) {
        for (int k = 1; k < p.length; k++) {
            if (data[offset + k] != p[k]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "BodySubstitution[" + rules.length + " placeholders]";
    }
}
