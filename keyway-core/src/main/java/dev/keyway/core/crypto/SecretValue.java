package dev.keyway.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A secret (an upstream API key, a password, a decrypted credential) held as bytes that can be
 * wiped, and that never shows up in logs, exception messages or debugger {@code toString()} views.
 *
 * <p>Why not a {@code String} or a record: strings cannot be zeroed and a record would print its
 * contents and compare them in variable time. This class copies on the way in and on the way out,
 * so holders of a {@code SecretValue} cannot alter each other's view, and {@link #wipe()} (or
 * {@link #close()}) zeroes the only internal copy.
 *
 * <p>It deliberately does not override {@code equals}/{@code hashCode}: secrets do not belong in
 * hash-based collections. Use {@link #contentEquals(SecretValue)}, which runs in constant time.
 *
 * <p>Thread-safety: reads may race with {@link #wipe()}; a reader that races a wipe may observe
 * zeroed bytes. Wipe only when no other thread still needs the value.
 */
public final class SecretValue implements AutoCloseable {
    private final byte[] bytes;
    private volatile boolean wiped;

    private SecretValue(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Returns a secret holding a copy of {@code bytes}; the caller may wipe its own array afterwards. */
    public static SecretValue of(byte[] bytes) {
        return new SecretValue(Objects.requireNonNull(bytes, "bytes").clone());
    }

    /**
     * Returns a secret that takes ownership of {@code bytes} without copying, so a freshly decrypted
     * plaintext exists in memory exactly once. The caller must not use or keep the array afterwards;
     * {@link #wipe()} zeroes it.
     */
    public static SecretValue adopt(byte[] bytes) {
        return new SecretValue(Objects.requireNonNull(bytes, "bytes"));
    }

    /**
     * Returns a secret holding the UTF-8 encoding of {@code value}. The string itself cannot be
     * wiped, so prefer {@link #of(byte[])} when the secret arrives as bytes.
     */
    public static SecretValue ofUtf8(String value) {
        return new SecretValue(Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8));
    }

    /** Returns a fresh copy of the secret bytes; the caller should wipe it after use. */
    public byte[] bytes() {
        checkNotWiped();
        return bytes.clone();
    }

    /**
     * Decodes the secret as UTF-8. The returned string cannot be wiped; use it only at the last step
     * (e.g. writing a header value) and never log it.
     */
    public String asString() {
        checkNotWiped();
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Length of the secret in bytes. Lengths are not treated as secret. */
    public int length() {
        checkNotWiped();
        return bytes.length;
    }

    /** Compares the contents of two secrets in time independent of where they first differ. */
    public boolean contentEquals(SecretValue other) {
        Objects.requireNonNull(other, "other");
        checkNotWiped();
        other.checkNotWiped();
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    /** Whether {@link #wipe()} has been called; a wiped secret rejects every read. */
    public boolean isWiped() {
        return wiped;
    }

    /** Zeroes the internal copy; afterwards every read throws {@link IllegalStateException}. Idempotent. */
    public void wipe() {
        wiped = true;
        Arrays.fill(bytes, (byte) 0);
    }

    /** Same as {@link #wipe()}, so a secret can live in a try-with-resources block. */
    @Override
    public void close() {
        wipe();
    }

    /** Always {@code SecretValue[redacted]}: the value never reaches logs through string conversion. */
    @Override
    public String toString() {
        return "SecretValue[redacted]";
    }

    private void checkNotWiped() {
        if (wiped) {
            throw new IllegalStateException("secret value has been wiped");
        }
    }
}
