package dev.keyway.store.audit;

import java.nio.charset.StandardCharsets;

/**
 * One record of the local audit log exactly as it was written: its sequence number and its line
 * (without the newline), chain value included. The cluster shipper copies these bytes unchanged
 * into the database, so a node's chain can still be checked from there.
 *
 * @param seq the record's {@code seq}
 * @param line the record's JSON object as written (UTF-8)
 */
public record AuditLine(long seq, byte[] line) {
    /** The line as text. */
    public String text() {
        return new String(line, StandardCharsets.UTF_8);
    }

    /**
     * The {@code seq} a line starts with ({@code {"seq":N,...}}, as the log writes every line), or
     * -1 when it does not start that way.
     */
    static long seqOf(byte[] line, int length) {
        byte[] head = {'{', '"', 's', 'e', 'q', '"', ':'};
        if (length <= head.length) {
            return -1;
        }
        for (int i = 0; i < head.length; i++) {
            if (line[i] != head[i]) {
                return -1;
            }
        }
        long v = 0;
        int digits = 0;
        for (int i = head.length; i < length && line[i] >= '0' && line[i] <= '9' && digits < 18; i++, digits++) {
            v = v * 10 + (line[i] - '0');
        }
        return digits == 0 ? -1 : v;
    }
}
