package dev.keyway.core.inject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** RFC 3986 percent-encoding for the two URL surfaces a credential can land in. */
final class PercentCodec {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentCodec() {}

    /** Query component: everything but unreserved ({@code A-Z a-z 0-9 - . _ ~}) is encoded. */
    static String encodeQuery(byte[] value) {
        return encode(value, false);
    }

    /**
     * Path segment: unreserved, sub-delims and {@code : @} (RFC 3986 {@code pchar}) stay, so the
     * value cannot change the path's structure ({@code / ? # %} and spaces are encoded) while
     * tokens such as Telegram's {@code 123:ABC} keep their usual form.
     */
    static String encodePathSegment(byte[] value) {
        return encode(value, true);
    }

    private static String encode(byte[] value, boolean pchar) {
        StringBuilder sb = new StringBuilder(value.length + 8);
        for (byte b : value) {
            int c = b & 0xff;
            if (isUnreserved(c) || (pchar && isPcharExtra(c))) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }

    /**
     * Whether every byte is unreserved: then the value's query and path-segment encodings are the
     * value itself, and so is its JSON-escaped form (no quote, backslash or control byte).
     */
    static boolean allUnreserved(byte[] value) {
        for (byte b : value) {
            if (!isUnreserved(b & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean isPcharExtra(int c) {
        return "!$&'()*+,;=:@".indexOf(c) >= 0;
    }

    /**
     * Decodes a form-style query name leniently ({@code +} is a space; a malformed escape is kept
     * literally), to recognise a client's copy of a managed parameter however it was encoded.
     */
    static String decodeQueryName(String raw) {
        if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%' && i + 2 < raw.length()
                    && Character.digit(raw.charAt(i + 1), 16) >= 0 && Character.digit(raw.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
