package dev.keyway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A byte-level HTTP/1.1 client for exact-wire tests (raw CONNECT, malformed input, SNI games). */
final class Raw implements AutoCloseable {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Raw(int port) throws IOException {
        this(port, 0);
    }

    /** With {@code receiveBuffer > 0}, a small SO_RCVBUF set before connecting (slow-reader tests). */
    Raw(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(15_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** The raw input, e.g. to stream a response body after {@link #readHead()}. */
    InputStream input() {
        return in;
    }

    Raw send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Upgrades the connection to TLS with the given SNI (null = none), trusting {@code ctx}. */
    Raw tls(SSLContext ctx, String sni, boolean verifyHostname) throws IOException {
        return tls(ctx, sni, verifyHostname, "http/1.1");
    }

    /** As {@link #tls(SSLContext, String, boolean)}, offering these ALPN protocols. */
    Raw tls(SSLContext ctx, String sni, boolean verifyHostname, String... alpn) throws IOException {
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        SSLParameters p = ssl.getSSLParameters();
        if (sni != null) {
            p.setServerNames(List.of(new SNIHostName(sni)));
        }
        p.setApplicationProtocols(alpn);
        if (verifyHostname) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        socket = ssl;
        in = ssl.getInputStream();
        out = ssl.getOutputStream();
        return this;
    }

    /** Half-closes: the proxy sees end-of-stream while this side can still read. */
    Raw shutdownOutput() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    SSLSocket sslSocket() {
        return (SSLSocket) socket;
    }

    Response read() throws IOException {
        Response head = readHead();
        return new Response(head.status(), head.headers(), body(head.headers()));
    }

    /** Status line and headers only; the body is left unread. */
    Response readHead() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int c = l.indexOf(':');
            headers.putIfAbsent(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        return new Response(status, headers, "");
    }

    private String body(Map<String, String> headers) throws IOException {
        String body = "";
        String cl = headers.get("content-length");
        if (cl != null) {
            body = new String(in.readNBytes(Integer.parseInt(cl)), StandardCharsets.UTF_8);
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                int n = Integer.parseInt(line().trim(), 16);
                if (n == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                b.writeBytes(in.readNBytes(n));
                line();
            }
            body = b.toString(StandardCharsets.UTF_8);
        }
        return body;
    }

    /** True when the peer closed the connection (EOF) within the socket timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    /** Reads and discards everything until the peer closes; false when it stays open past the socket timeout. */
    boolean drainUntilClosed() throws IOException {
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // discard (e.g. HTTP/2 SETTINGS and GOAWAY frames)
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset, or TLS torn down without close_notify
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static String basic(String userPass) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }
}
