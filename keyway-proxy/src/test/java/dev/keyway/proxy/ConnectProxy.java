package dev.keyway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP CONNECT proxy on 127.0.0.1 playing the operator's corporate proxy: it records every
 * CONNECT target and its {@code Proxy-Authorization}, then either refuses with 403 or connects to
 * 127.0.0.1 on the requested port (every test host lives on loopback) and relays bytes.
 */
final class ConnectProxy implements AutoCloseable {
    /** One CONNECT as received. */
    record Connect(String target, String proxyAuthorization) {}

    final ConcurrentLinkedQueue<Connect> connects = new ConcurrentLinkedQueue<>();
    volatile boolean refuse;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    ConnectProxy() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    List<String> targets() {
        return connects.stream().map(Connect::target).toList();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                threads.execute(() -> handle(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String requestLine = line(in);
            String auth = "";
            String l;
            while ((l = line(in)) != null && !l.isEmpty()) {
                if (l.toLowerCase(Locale.ROOT).startsWith("proxy-authorization:")) {
                    auth = l.substring(l.indexOf(':') + 1).trim();
                }
            }
            String[] parts = requestLine == null ? new String[0] : requestLine.split(" ");
            if (parts.length != 3 || !parts[0].equals("CONNECT")) {
                out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            connects.add(new Connect(parts[1], auth));
            if (refuse) {
                out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            int port = Integer.parseInt(parts[1].substring(parts[1].lastIndexOf(':') + 1));
            try (Socket upstream = new Socket("127.0.0.1", port)) {
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                var back = threads.submit(() -> pipe(upstream.getInputStream(), out, client));
                pipe(in, upstream.getOutputStream(), upstream);
                back.get();
            }
        } catch (Exception e) {
            // connection over
        }
    }

    private static Void pipe(InputStream from, OutputStream to, Socket toSocket) {
        try {
            from.transferTo(to);
            toSocket.shutdownOutput();
        } catch (IOException e) {
            try {
                toSocket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        return null;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
