package dev.keyway.store.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code \n}-terminated lines of {@code [0, end)} of a file from last to first, in
 * chunks, so "the newest N records" costs a read of the tail only.
 */
final class ReverseLines {
    static final int CHUNK = 64 * 1024;

    private final FileChannel ch;
    private final Deque<byte[]> ready = new ArrayDeque<>();
    private long pos;
    private byte[] carry = new byte[0];

    /** {@code end} must be 0 or just after a newline. */
    ReverseLines(FileChannel ch, long end) {
        this.ch = ch;
        this.pos = end > 0 ? end - 1 : 0; // drop the final terminator; the rest are separators
    }

    /** The previous line without its newline, or null at the start of the file. */
    byte @Nullable [] next() throws IOException {
        while (ready.isEmpty()) {
            if (pos == 0) {
                if (carry.length == 0) {
                    return null;
                }
                byte[] first = carry;
                carry = new byte[0];
                return first;
            }
            int n = (int) Math.min(CHUNK, pos);
            pos -= n;
            byte[] data = new byte[n + carry.length];
            readFully(ByteBuffer.wrap(data, 0, n), pos);
            System.arraycopy(carry, 0, data, n, carry.length);
            int lineEnd = data.length;
            for (int i = data.length - 1; i >= 0; i--) {
                if (data[i] == '\n') {
                    ready.addLast(Arrays.copyOfRange(data, i + 1, lineEnd));
                    lineEnd = i;
                }
            }
            carry = Arrays.copyOf(data, lineEnd);
        }
        return ready.pollFirst();
    }

    private void readFully(ByteBuffer buf, long at) throws IOException {
        long p = at;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r < 0) {
                throw new IOException("audit file shrank while reading");
            }
            p += r;
        }
    }

    /** Position just after the last newline in {@code [0, size)}, or 0 if there is none. */
    static long endOfLastLine(FileChannel ch, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long pos = size;
        while (pos > 0) {
            int n = (int) Math.min(CHUNK, pos);
            pos -= n;
            buf.clear().limit(n);
            long p = pos;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, p);
                if (r < 0) {
                    return 0;
                }
                p += r;
            }
            for (int i = n - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return pos + i + 1;
                }
            }
        }
        return 0;
    }
}
