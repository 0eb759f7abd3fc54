package dev.keyway.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal blind HTTP CONNECT proxy for tests (blocking sockets, virtual threads): checks
 * {@code Proxy-Authorization: Basic base64(user:password)}, answers 407 when it is wrong, otherwise
 * connects to the requested host and relays bytes both ways. It lets the load generator's proxy
 * path be tested without the Keyway engine.
 */
final class TestConnectProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String expectedAuth;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    final AtomicInteger tunnels = new AtomicInteger();
    final AtomicInteger rejected = new AtomicInteger();

    TestConnectProxy(String user, String password) throws IOException {
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.expectedAuth = "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.execute(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String auth = null;
            for (String l : lines) {
                if (l.regionMatches(true, 0, "Proxy-Authorization:", 0, 20)) {
                    auth = l.substring(20).trim();
                }
            }
            if (!requestLine[0].equals("CONNECT") || !expectedAuth.equals(auth)) {
                rejected.incrementAndGet();
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            String target = requestLine[1];
            int colon = target.lastIndexOf(':');
            try (Socket upstream = new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)))) {
                tunnels.incrementAndGet();
                out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                var up = threads.submit(() -> {
                    in.transferTo(upstream.getOutputStream());
                    upstream.shutdownOutput();
                    return null;
                });
                upstream.getInputStream().transferTo(out);
                client.shutdownOutput();
                up.get();
            }
        } catch (Exception e) {
            // the client or the upstream went away: the tunnel ends
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] s = b.toByteArray();
            int n = s.length;
            if (n >= 4 && s[n - 4] == '\r' && s[n - 3] == '\n' && s[n - 2] == '\r' && s[n - 1] == '\n') {
                break;
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
