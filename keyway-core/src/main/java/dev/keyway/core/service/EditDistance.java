package dev.keyway.core.service;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Edit distance for "did you mean" hints: the optimal string alignment distance (Levenshtein plus
 * the transposition of two adjacent characters, Damerau's most common typo: {@code antrhopic} is
 * one edit from {@code anthropic}). Case-insensitive; pure.
 */
public final class EditDistance {
    private EditDistance() {}

    /** The distance between {@code a} and {@code b}, ignoring case. */
    public static int between(String a, String b) {
        String s = a.toLowerCase(Locale.ROOT);
        String t = b.toLowerCase(Locale.ROOT);
        int n = s.length();
        int m = t.length();
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= m; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                int cost = s.charAt(i - 1) == t.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && s.charAt(i - 1) == t.charAt(j - 2) && s.charAt(i - 2) == t.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[n][m];
    }

    /**
     * The candidate closest to {@code input} within {@code max} edits, excluding an exact (case-
     * insensitive) match; ties go to the first candidate. Empty when none is close enough.
     */
    public static Optional<String> closest(String input, Collection<String> candidates, int max) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            if (Math.abs(c.length() - input.length()) > max) {
                continue;
            }
            int dist = between(input, c);
            if (dist > 0 && dist <= max && dist < bestDistance) {
                best = c;
                bestDistance = dist;
            }
        }
        return Optional.ofNullable(best);
    }
}
