package dev.keyway.store.audit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A flat JSON object built field by field straight into UTF-8 bytes, for the audit records written
 * on every proxied request.
 *
 * <p>Why it exists: serialising a {@code LinkedHashMap} through Jackson costs a map, boxed values
 * and a generic serializer walk per record, twice per injected request. The proxy's records have a
 * fixed, flat shape (strings, numbers, booleans, a list of strings), so this writer produces the
 * same JSON as Jackson would for such a map with one growing byte array. It is valid JSON by
 * construction (every string is escaped per RFC 8259), and it refuses the field names the log
 * itself adds ({@link AuditLog#SEQ}, {@link AuditLog#TS}). Not thread-safe; use one per record.
 */
public final class AuditJson {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** A proxy {@code request} record is 400–600 bytes: one array, grown rarely. */
    private static final int INITIAL = 768;

    private byte[] buf;
    private int len;
    private boolean closed;

    /** An empty object ({@code {}}). */
    public AuditJson() {
        buf = new byte[INITIAL];
        buf[0] = '{';
        len = 1;
    }

    /** Adds a string field; a null value is left out (as the proxy's records do for absent fields). */
    public AuditJson put(String name, @org.jspecify.annotations.Nullable String value) {
        if (value != null) {
            name(name);
            string(value);
        }
        return this;
    }

    /** Adds a number field. */
    public AuditJson put(String name, long value) {
        name(name);
        ascii(Long.toString(value));
        return this;
    }

    /** Adds a boolean field. */
    public AuditJson put(String name, boolean value) {
        name(name);
        ascii(value ? "true" : "false");
        return this;
    }

    /** Adds an array of strings. */
    public AuditJson put(String name, List<String> values) {
        name(name);
        ensure(1);
        buf[len++] = '[';
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                ensure(1);
                buf[len++] = ',';
            }
            string(values.get(i));
        }
        ensure(1);
        buf[len++] = ']';
        return this;
    }

    /** The object as UTF-8 JSON, closed ({@code {...}}). The builder must not be used afterwards. */
    public byte[] toBytes() {
        close();
        return Arrays.copyOf(buf, len);
    }

    /**
     * Closes the object and hands over its internal array without copying (the audit log writes
     * it once and drops it): the first {@link #length()} bytes are the JSON. The builder must not
     * be used afterwards.
     */
    byte[] closedArray() {
        close();
        return buf;
    }

    /** The JSON's length in {@link #closedArray()}. */
    int length() {
        return len;
    }

    private void close() {
        if (!closed) {
            ensure(1);
            buf[len++] = '}';
            closed = true;
        }
    }

    private void name(String name) {
        if (name.equals(AuditLog.SEQ) || name.equals(AuditLog.TS)) {
            throw new IllegalArgumentException("audit records must not set '" + AuditLog.SEQ + "' or '" + AuditLog.TS + "'");
        }
        if (len > 1) {
            ensure(1);
            buf[len++] = ',';
        }
        string(name);
        ensure(1);
        buf[len++] = ':';
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) s.charAt(i);
        }
    }

    private void string(String s) {
        int n = s.length();
        ensure(n + 2);
        buf[len++] = '"';
        int i = 0;
        // the common case, plain printable ASCII, needs no escape and fits the room ensured above
        for (byte[] b = buf; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                break;
            }
            b[len++] = (byte) c;
        }
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                ensure(2);
                buf[len++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                ensure(3);
                buf[len++] = '\\';
                buf[len++] = (byte) c;
            } else if (c < 0x20) {
                escapeControl(c);
            } else {
                int cp = c;
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    cp = Character.toCodePoint(c, s.charAt(++i));
                } else if (Character.isSurrogate(c)) {
                    cp = 0xFFFD; // a lone surrogate cannot be encoded as UTF-8; Jackson would fail, the audit must not
                }
                utf8(cp);
            }
        }
        ensure(1);
        buf[len++] = '"';
    }

    private void escapeControl(char c) {
        ensure(6);
        buf[len++] = '\\';
        switch (c) {
            case '\n' -> buf[len++] = 'n';
            case '\r' -> buf[len++] = 'r';
            case '\t' -> buf[len++] = 't';
            case '\b' -> buf[len++] = 'b';
            case '\f' -> buf[len++] = 'f';
            default -> {
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[c >> 4];
                buf[len++] = HEX[c & 0xF];
            }
        }
    }

    private void utf8(int cp) {
        ensure(4);
        if (cp < 0x800) {
            buf[len++] = (byte) (0xC0 | (cp >> 6));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            buf[len++] = (byte) (0xE0 | (cp >> 12));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
        } else {
            buf[len++] = (byte) (0xF0 | (cp >> 18));
            buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
        }
    }

    private void ensure(int more) {
        if (len + more + 1 > buf.length) { // + 1 keeps room for the closing brace
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more + 1));
        }
    }
}
