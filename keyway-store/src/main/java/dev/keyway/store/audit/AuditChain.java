package dev.keyway.store.audit;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key of the audit log's hash chain. Each record written with a chain ends in
 * {@code ,"chain":"<64 hex digits>"}: HMAC-SHA256 over the previous record's chain value (32 raw
 * bytes; 32 zero bytes before the first chained record) followed by the record's own bytes, that
 * is the line up to (not including) {@code ,"chain":"}. The chain continues across rotated files.
 *
 * <p>Why an HMAC and not a plain hash: whoever can edit the file could recompute plain hashes. The
 * key is random and stored only sealed under the master key, so editing, removing or reordering
 * records cannot be hidden without the master key. Why random and not derived from the master key:
 * a master-key rotation re-seals this key and the chain continues unchanged.
 *
 * <p>The key bytes never leave this object; {@link #toString()} is redacted.
 */
public final class AuditChain {
    /** The field the log appends to each chained record. */
    public static final String FIELD = "chain";

    /** Key length in bytes. */
    public static final int KEY_LENGTH = 32;

    static final int MAC_LENGTH = 32;

    /** {@code ,"chain":"} then 64 hex digits then {@code "}}: the fixed-length tail of a chained line. */
    static final byte[] SUFFIX_HEAD = (",\"" + FIELD + "\":\"").getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static final int SUFFIX_LENGTH = SUFFIX_HEAD.length + 2 * MAC_LENGTH + 2;

    private final SecretKeySpec key;

    private AuditChain(byte[] key) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("audit chain key must be " + KEY_LENGTH + " bytes, got " + key.length);
        }
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /** A chain keyed by a copy of {@code key32}; the caller should wipe its array. */
    public static AuditChain of(byte[] key32) {
        return new AuditChain(Objects.requireNonNull(key32, "key32").clone());
    }

    /** The chain value before the first chained record. */
    static byte[] genesis() {
        return new byte[MAC_LENGTH];
    }

    /** A fresh MAC for one thread (the writer, or one verification). */
    Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** HMAC(prev || bytes[off, off+len)) into {@code out}. */
    static void link(Mac mac, byte[] prev, byte[] bytes, int off, int len, byte[] out) {
        mac.update(prev);
        mac.update(bytes, off, len);
        try {
            mac.doFinal(out, 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of two chain values. */
    static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Writes {@code mac} as 64 lower-case hex digits at {@code buf[off]}. */
    static void hex(byte[] mac, byte[] buf, int off) {
        for (int i = 0; i < mac.length; i++) {
            buf[off + 2 * i] = HEX[(mac[i] >> 4) & 0xf];
            buf[off + 2 * i + 1] = HEX[mac[i] & 0xf];
        }
    }

    /**
     * The chain value at the end of {@code line} (without its newline), or null when the line does
     * not end in a well-formed {@code ,"chain":"<64 hex>"}}.
     */
    static byte @org.jspecify.annotations.Nullable [] chainOf(byte[] line, int len) {
        if (len < SUFFIX_LENGTH + 1 || line[len - 1] != '}' || line[len - 2] != '"') {
            return null;
        }
        int start = len - SUFFIX_LENGTH;
        if (!Arrays.equals(line, start, start + SUFFIX_HEAD.length, SUFFIX_HEAD, 0, SUFFIX_HEAD.length)) {
            return null;
        }
        byte[] out = new byte[MAC_LENGTH];
        int p = start + SUFFIX_HEAD.length;
        for (int i = 0; i < MAC_LENGTH; i++) {
            int hi = Character.digit(line[p + 2 * i], 16);
            int lo = Character.digit(line[p + 2 * i + 1], 16);
            if (hi < 0 || lo < 0 || Character.isUpperCase(line[p + 2 * i]) || Character.isUpperCase(line[p + 2 * i + 1])) {
                return null;
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    /** Always {@code AuditChain[redacted]}. */
    @Override
    public String toString() {
        return "AuditChain[redacted]";
    }
}
