package dev.keyway.core.inject;

import java.util.Arrays;

/** Where a {@link StreamRedactor} writes its output (the proxy adapts a Netty buffer to it). */
public interface ByteSink {
    void write(byte[] b, int off, int len);

    /** A growable array, wiped on demand (the output may hold pieces of bytes that were scanned). */
    final class Growable implements ByteSink {
        private byte[] buf;
        private int size;

        public Growable(int initial) {
            buf = new byte[Math.max(16, initial)];
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (size + len > buf.length) {
                byte[] old = buf;
                buf = Arrays.copyOf(old, Math.max(old.length * 2, size + len));
                Arrays.fill(old, (byte) 0);
            }
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        public byte[] array() {
            return buf;
        }

        public int size() {
            return size;
        }

        public byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }

        public void wipe() {
            Arrays.fill(buf, (byte) 0);
            size = 0;
        }
    }
}
