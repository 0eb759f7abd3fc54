package dev.keyway.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback server for client tests that answers every connection with fixed bytes, or not at all
 * ({@code answer == null}: it keeps the connection open and silent). Each request (head and
 * Content-Length body) is recorded <em>before</em> the answer is written, so a test that got its
 * answer always finds the request in {@link #take()}.
 */
final class RawHttpServer implements AutoCloseable {
    private final ServerSocket server;
    private final byte[] answer;
    private final boolean silent;
    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final List<Socket> open = new ArrayList<>();
    private final Thread acceptor;

    RawHttpServer(String answer) throws IOException {
        this(answer.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    /** A server that accepts, reads the request, and never answers. */
    static RawHttpServer silent() throws IOException {
        return new RawHttpServer(new byte[0], true);
    }

    private RawHttpServer(byte[] answer, boolean silent) throws IOException {
        this.answer = answer;
        this.silent = silent;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.acceptor = Thread.ofPlatform().daemon().name("raw-http-server").start(this::acceptLoop);
    }

    String base() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next request as received (head and body, ISO-8859-1), waiting at most 10 s. */
    String take() throws InterruptedException {
        String r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request arrived");
        }
        return r;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                synchronized (open) {
                    open.add(s);
                }
                requests.add(readRequest(s.getInputStream()));
                if (!silent) {
                    s.getOutputStream().write(answer);
                    s.getOutputStream().flush();
                    s.close();
                }
            } catch (IOException e) {
                // closed, or the client went away: the test sees its own side
            }
        }
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            head.write(c);
            byte[] b = head.toByteArray();
            int n = b.length;
            if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                break;
            }
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
