package dev.keyway.store.postgres;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * Epoch milliseconds of the {@code ts} values of one batch of audit records (ISO-8601 instants in
 * UTC, as the log writes them), parsing each distinct second once.
 *
 * <p>Why: {@link Instant#parse} costs about as much as reading the rest of a record, and a batch of
 * 500 records spans a few seconds at most. Only the fraction after the second is read per record; a
 * value in any other shape is parsed by {@link Instant#parse}, and an unreadable one is 0. One per
 * batch (not shared between threads).
 */
final class InstantMillis {
    private static final int SECOND = "2026-12-07T10:00:00".length();

    private @Nullable String second; // "yyyy-MM-ddTHH:mm:ss" of the last parsed value
    private long epochSecond;

    long of(@Nullable String ts) {
        if (ts == null) {
            return 0;
        }
        int millis = fractionMillis(ts);
        if (millis < 0) {
            return parse(ts);
        }
        if (second == null || !ts.regionMatches(0, second, 0, SECOND)) {
            String s = ts.substring(0, SECOND);
            try {
                epochSecond = Instant.parse(s + "Z").getEpochSecond();
            } catch (DateTimeParseException e) {
                second = null;
                return 0;
            }
            second = s;
        }
        return epochSecond * 1000 + millis;
    }

    /** Milliseconds of {@code ...ss[.f...]Z} (fraction truncated, as {@link Instant#toEpochMilli}), or -1 for another shape. */
    private static int fractionMillis(String ts) {
        int n = ts.length();
        if (n < SECOND + 1 || ts.charAt(n - 1) != 'Z' || ts.charAt(10) != 'T') {
            return -1;
        }
        if (n == SECOND + 1) {
            return 0;
        }
        if (ts.charAt(SECOND) != '.' || n - SECOND - 2 < 1 || n - SECOND - 2 > 9) {
            return -1;
        }
        int millis = 0;
        for (int i = SECOND + 1; i < n - 1; i++) {
            char c = ts.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (i < SECOND + 4) {
                millis = millis * 10 + (c - '0');
            }
        }
        for (int i = n - 1; i < SECOND + 4; i++) {
            millis *= 10; // fewer than three digits
        }
        return millis;
    }

    private static long parse(String ts) {
        try {
            return Instant.parse(ts).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            return 0;
        }
    }
}
