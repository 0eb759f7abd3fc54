package dev.keyway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A client TLS handshake driven by hand over a blocking socket, so a test can put the first TLS
 * bytes wherever it wants (e.g. in the same packet as a CONNECT head), which an SSLSocket cannot.
 */
final class TlsPump {
    private final SSLEngine engine;
    private final InputStream in;
    private final OutputStream out;
    private ByteBuffer netIn;
    private final ByteBuffer appIn;

    TlsPump(SSLEngine engine, InputStream in, OutputStream out) {
        this.engine = engine;
        this.in = in;
        this.out = out;
        this.netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        this.netIn.flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
    }

    /** The ClientHello, not sent. */
    byte[] firstFlight() throws SSLException {
        engine.beginHandshake();
        return wrap(ByteBuffer.allocate(0));
    }

    /** Reads a plaintext HTTP head (the proxy's answer to CONNECT) byte by byte. */
    String readPlainHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed before the head ended: " + b);
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    void finishHandshake() throws IOException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> out.write(wrap(ByteBuffer.allocate(0)));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapOnce();
                case NEED_TASK -> {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run();
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    void send(String text) throws IOException {
        out.write(wrap(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1))));
        out.flush();
    }

    /** Decrypts until the plaintext contains {@code marker}; returns everything received. */
    String receiveUntil(String marker) throws IOException {
        while (true) {
            String s = new String(appIn.array(), 0, appIn.position(), StandardCharsets.ISO_8859_1);
            if (s.contains(marker)) {
                return s;
            }
            unwrapOnce();
        }
    }

    private byte[] wrap(ByteBuffer src) throws SSLException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        do {
            net.clear();
            SSLEngineResult r = engine.wrap(src, net);
            b.write(net.array(), 0, net.position());
            if (r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_WRAP && !src.hasRemaining()) {
                break;
            }
        } while (true);
        return b.toByteArray();
    }

    private void unwrapOnce() throws IOException {
        while (true) {
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || (r.bytesConsumed() == 0 && r.bytesProduced() == 0
                    && r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP)) {
                fill();
                continue;
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new IOException("TLS closed by the proxy");
            }
            return;
        }
    }

    private void fill() throws IOException {
        byte[] buf = new byte[16 * 1024];
        int n = in.read(buf);
        if (n < 0) {
            throw new IOException("connection closed during TLS");
        }
        ByteBuffer next = ByteBuffer.allocate(netIn.remaining() + n);
        next.put(netIn).put(buf, 0, n).flip();
        netIn = next;
    }
}
