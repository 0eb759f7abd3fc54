package dev.keyway.core.service;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The functions of {@link ValueExpression}: the encodings and digests APIs ask for when a credential
 * has to be combined before it is sent. A closed set (no lookup by reflection, no user-defined
 * functions), each a pure function of byte strings with a fixed arity.
 */
public enum ValueFunction {
    /** RFC 4648 §4 base64, with padding. */
    BASE64("base64", 1),
    /** RFC 4648 §5 base64url (URL- and file-safe alphabet), with padding. */
    BASE64URL("base64url", 1),
    /** RFC 4648 §8 base16, lower-case. */
    HEX("hex", 1),
    /** RFC 3986 percent-encoding of every byte but the unreserved characters {@code A-Z a-z 0-9 - . _ ~}. */
    URLENCODE("urlencode", 1),
    /** SHA-256 (FIPS 180-4) of the value, as lower-case hex. */
    SHA256("sha256", 1),
    /** HMAC-SHA256 (RFC 2104) of the second argument keyed with the first, as lower-case hex. */
    HMAC_SHA256("hmac_sha256", 2),
    /** ASCII letters to lower case; other bytes unchanged (locale-independent). */
    LOWER("lower", 1),
    /** ASCII letters to upper case; other bytes unchanged (locale-independent). */
    UPPER("upper", 1);

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PCT_DIGITS = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private final String functionName;
    private final int arity;

    ValueFunction(String functionName, int arity) {
        this.functionName = functionName;
        this.arity = arity;
    }

    /** The name written in expressions. */
    public String functionName() {
        return functionName;
    }

    /** How many arguments the function takes. */
    public int arity() {
        return arity;
    }

    /** The function named {@code name} (exact, lower-case), if any. */
    public static Optional<ValueFunction> byName(String name) {
        for (ValueFunction f : values()) {
            if (f.functionName.equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The names of all functions, for messages. */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        for (ValueFunction f : values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(f.functionName);
        }
        return sb.toString();
    }

    /**
     * An upper bound of the output length for (first) argument {@code arg} (exact for the
     * encodings), so an evaluation refuses an oversized result before allocating it.
     */
    long maxOutput(byte[] arg) {
        long inputLength = arg.length;
        return switch (this) {
            case BASE64, BASE64URL -> (inputLength + 2) / 3 * 4;
            case HEX -> inputLength * 2;
            case URLENCODE -> {
                long n = 0;
                for (byte b : arg) {
                    int c = b & 0xff;
                    n += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                            || c == '-' || c == '.' || c == '_' || c == '~' ? 1 : 3;
                }
                yield n;
            }
            case SHA256, HMAC_SHA256 -> 64;
            case LOWER, UPPER -> inputLength;
        };
    }

    /** Applies the function; {@code args} has {@link #arity()} elements and is not modified. */
    byte[] apply(List<byte[]> args) {
        byte[] a = args.get(0);
        return switch (this) {
            case BASE64 -> Base64.getEncoder().encode(a);
            case BASE64URL -> Base64.getUrlEncoder().encode(a);
            case HEX -> hex(a);
            case URLENCODE -> urlencode(a);
            case SHA256 -> hex(sha256(a));
            case HMAC_SHA256 -> hex(hmacSha256(a, args.get(1)));
            case LOWER -> asciiCase(a, true);
            case UPPER -> asciiCase(a, false);
        };
    }

    private static byte[] hex(byte[] in) {
        byte[] out = new byte[in.length * 2];
        for (int i = 0; i < in.length; i++) {
            out[2 * i] = HEX_DIGITS[(in[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX_DIGITS[in[i] & 0xf];
        }
        return out;
    }

    private static byte[] urlencode(byte[] in) {
        byte[] out = new byte[in.length * 3];
        int n = 0;
        for (byte b : in) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out[n++] = b;
            } else {
                out[n++] = '%';
                out[n++] = PCT_DIGITS[c >> 4];
                out[n++] = PCT_DIGITS[c & 0xf];
            }
        }
        byte[] exact = java.util.Arrays.copyOf(out, n);
        java.util.Arrays.fill(out, (byte) 0);
        return exact;
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static byte[] hmacSha256(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // an empty key is legal for HMAC (RFC 2104) but SecretKeySpec refuses it; a key of one zero
            // byte is the same HMAC key (keys are zero-padded to the block size)
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    private static byte[] asciiCase(byte[] in, boolean lower) {
        byte[] out = in.clone();
        for (int i = 0; i < out.length; i++) {
            byte b = out[i];
            if (lower && b >= 'A' && b <= 'Z') {
                out[i] = (byte) (b + 32);
            } else if (!lower && b >= 'a' && b <= 'z') {
                out[i] = (byte) (b - 32);
            }
        }
        return out;
    }
}
