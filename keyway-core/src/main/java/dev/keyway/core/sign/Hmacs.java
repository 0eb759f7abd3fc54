package dev.keyway.core.sign;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC primitives of the {@code hmac} injection: decode the stored key, MAC the rendered
 * string to sign, encode the result. Pure functions over byte arrays; the caller owns and wipes the
 * key.
 */
public final class Hmacs {
    private Hmacs() {}

    /** The hash of the HMAC. */
    public enum Algorithm {
        SHA256("HmacSHA256"),
        SHA512("HmacSHA512");

        private final String jca;

        Algorithm(String jca) {
            this.jca = jca;
        }

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code sha256} or {@code sha512}; IllegalArgumentException otherwise. */
        public static Algorithm fromWireName(String s) {
            for (Algorithm a : values()) {
                if (a.wireName().equals(s)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("unknown algorithm '" + s + "'; expected sha256 or sha512");
        }
    }

    /** How the stored credential holds the key. */
    public enum KeyEncoding {
        /** The credential's bytes are the key (Binance, Bybit). */
        RAW,
        /** The credential is base64 of the key (Coinbase Exchange, Kraken). */
        BASE64;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static KeyEncoding fromWireName(String s) {
            for (KeyEncoding e : values()) {
                if (e.wireName().equals(s)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("unknown key encoding '" + s + "'; expected raw or base64");
        }
    }

    /** How the signature is written. */
    public enum Encoding {
        /** Lower-case hex. */
        HEX,
        /** Standard base64 with padding. */
        BASE64;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Encoding fromWireName(String s) {
            for (Encoding e : values()) {
                if (e.wireName().equals(s)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("unknown signature encoding '" + s + "'; expected hex or base64");
        }

        public String encode(byte[] mac) {
            return this == HEX ? HexFormat.of().formatHex(mac) : Base64.getEncoder().encodeToString(mac);
        }
    }

    /**
     * The key bytes of a stored credential (a fresh array the caller wipes).
     *
     * @throws IllegalArgumentException when a base64 key is not base64 (the message names no byte of it)
     */
    public static byte[] key(byte[] credential, KeyEncoding encoding) {
        if (encoding == KeyEncoding.RAW) {
            return credential.clone();
        }
        byte[] trimmed = trim(credential);
        try {
            return Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key is not valid base64");
        } finally {
            Arrays.fill(trimmed, (byte) 0);
        }
    }

    /** HMAC of {@code message} under {@code key}. */
    public static byte[] mac(Algorithm algorithm, byte[] key, byte[] message) {
        if (key.length == 0) {
            throw new IllegalArgumentException("the key is empty");
        }
        try {
            Mac mac = Mac.getInstance(algorithm.jca);
            mac.init(new SecretKeySpec(key, algorithm.jca));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm.jca + " is unavailable", e);
        }
    }

    private static byte[] trim(byte[] b) {
        int from = 0;
        int to = b.length;
        while (from < to && Character.isWhitespace(b[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(b[to - 1])) {
            to--;
        }
        return Arrays.copyOfRange(b, from, to);
    }
}
