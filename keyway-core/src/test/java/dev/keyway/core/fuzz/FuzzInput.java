package dev.keyway.core.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits one fuzzer input into the fields a target needs. Fields are separated by a {@code 0x00}
 * byte, so the fuzzer can grow or shrink one field without shifting the others, and a corpus file is
 * readable (fields on their own, NULs between). Numbers take one byte.
 *
 * <p>Kept deliberately simple (instead of Jazzer's {@code FuzzedDataProvider}) so the same targets
 * run under the standalone Jazzer driver in the {@code fuzz} profile and as plain JUnit 6 replays in
 * the normal build (Jazzer's JUnit integration does not run on JUnit 6).
 */
public final class FuzzInput {
    private final byte[] data;
    private int pos;

    private FuzzInput(byte[] data) {
        this.data = data;
    }

    /** Wraps one input; the array is not copied. */
    public static FuzzInput of(byte[] data) {
        return new FuzzInput(data);
    }

    /** The next field's bytes (up to the next NUL or the end), at most {@code max} bytes. */
    public byte[] bytes(int max) {
        int end = pos;
        while (end < data.length && data[end] != 0 && end - pos < max) {
            end++;
        }
        byte[] field = Arrays.copyOfRange(data, pos, end);
        pos = end < data.length && data[end] == 0 ? end + 1 : end;
        return field;
    }

    /** The next field as UTF-8 text (malformed bytes become U+FFFD). */
    public String text(int max) {
        return new String(bytes(max), StandardCharsets.UTF_8);
    }

    /** The next field as Latin-1 text: every byte is one char, as on an HTTP/1.1 wire. */
    public String latin1(int max) {
        return new String(bytes(max), StandardCharsets.ISO_8859_1);
    }

    /** One byte mapped onto {@code [lo, hi]}; {@code lo} when the input is used up. */
    public int intIn(int lo, int hi) {
        if (pos >= data.length) {
            return lo;
        }
        int b = data[pos++] & 0xff;
        return lo + (int) ((long) b * (hi - lo) / 255);
    }

    /** Everything not consumed yet, NULs included. */
    public byte[] rest() {
        byte[] r = Arrays.copyOfRange(data, Math.min(pos, data.length), data.length);
        pos = data.length;
        return r;
    }

    /** {@link #rest()} as UTF-8 text. */
    public String restText() {
        return new String(rest(), StandardCharsets.UTF_8);
    }
}
