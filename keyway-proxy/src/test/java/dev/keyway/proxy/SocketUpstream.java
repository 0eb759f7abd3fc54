package dev.keyway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A blocking-socket HTTP/1.1 upstream (optionally TLS) whose connection handling a test controls
 * exactly: it counts connections, sees when the proxy closes an idle one, can close idle
 * connections itself, and lets a handler decide per request (answer, stream, or hang up).
 */
final class SocketUpstream implements AutoCloseable {
    /** One request as received; {@code connection} numbers connections from 1, {@code index} requests on it. */
    record Request(int connection, int index, String method, String target, Map<String, String> headers, byte[] body,
            Map<String, String> trailers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    @FunctionalInterface
    interface Handler {
        /** Writes the response and returns true to keep the connection, or returns false to hang up. */
        boolean handle(Request request, OutputStream out) throws IOException;
    }

    /** Answers 200 with this body, keep-alive. */
    static Handler ok(String body) {
        return (r, out) -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            return true;
        };
    }

    final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    /** Request lines whose head was received whole (added before the body is read). */
    final LinkedBlockingQueue<String> heads = new LinkedBlockingQueue<>();
    /** Connections that ended in the middle of a request (head or body incomplete). */
    final AtomicInteger brokenOff = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    /** Idle connections the proxy closed (EOF while waiting for the next request). */
    final AtomicInteger closedByProxy = new AtomicInteger();
    /** Idle connections this server closed itself ({@link #closeIdleAfter}). */
    final AtomicInteger closedIdle = new AtomicInteger();
    /** When set, a connection idle this long after a response is closed by the server. */
    volatile @Nullable Duration closeIdleAfter;
    /** Written before such an idle close (e.g. the {@code 408 Request Timeout} some servers send then), or null. */
    volatile @Nullable String idleFarewell;
    volatile Handler handler;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    SocketUpstream(@Nullable SSLContext tls, Handler handler) throws IOException {
        this.handler = handler;
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        server = tls == null ? new ServerSocket(0, 50, lo) : tls.getServerSocketFactory().createServerSocket(0, 50, lo);
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int n = connections.incrementAndGet();
                threads.execute(() -> serve(s, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int index = 1; ; index++) {
                Duration idle = index == 1 ? null : closeIdleAfter; // idle = kept alive after a response
                s.setSoTimeout(idle == null ? 0 : (int) idle.toMillis());
                int first;
                try {
                    first = in.read();
                } catch (SocketTimeoutException e) {
                    String farewell = idleFarewell;
                    if (farewell != null) {
                        out.write(farewell.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                    closedIdle.incrementAndGet();
                    return;
                }
                if (first < 0) {
                    closedByProxy.incrementAndGet();
                    return;
                }
                s.setSoTimeout(0);
                Request r;
                try {
                    r = read(first, in, connection, index, heads);
                } catch (IOException e) {
                    brokenOff.incrementAndGet();
                    return;
                }
                requests.add(r);
                if (!handler.handle(r, out)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the connection is over
        }
    }

    private static Request read(int first, InputStream in, int connection, int index,
            LinkedBlockingQueue<String> heads) throws IOException {
        String requestLine = (char) first + line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while ((l = line(in)) != null && !l.isEmpty()) {
            int c = l.indexOf(':');
            headers.putIfAbsent(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        heads.add(requestLine);
        byte[] body = new byte[0];
        Map<String, String> trailers = new LinkedHashMap<>();
        String cl = headers.get("content-length");
        if (cl != null) {
            body = in.readNBytes(Integer.parseInt(cl));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int n;
            while ((n = Integer.parseInt(line(in).trim(), 16)) > 0) {
                b.writeBytes(in.readNBytes(n));
                line(in);
            }
            while (!(l = line(in)).isEmpty()) {
                int c = l.indexOf(':');
                trailers.putIfAbsent(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            body = b.toByteArray();
        }
        String[] parts = requestLine.split(" ");
        return new Request(connection, index, parts[0], parts[1], headers, body, trailers);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            throw new IOException("connection closed");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
