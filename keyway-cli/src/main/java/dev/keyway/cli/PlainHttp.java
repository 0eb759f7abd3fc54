package dev.keyway.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The API client's transport for {@code http://}: one socket per exchange, an HTTP/1.1 request with
 * {@code Connection: close}, and a bounded reader for the answer (Content-Length, chunked, or up to
 * the end of the stream).
 *
 * <p>Why not a JDK client: {@code java.net.http.HttpClient} loads ~400 classes (its own and
 * {@code sun.security.ssl}: it builds the default TLS context and reads the trust store even for
 * {@code http://}) and cost ~0.7 s of CPU per CLI call; {@code HttpURLConnection} is cheap to load
 * but silently sends a POST a second time when the answer's headers fail to arrive
 * ({@code sun.net.http.retryPost}, on by default) — a second {@code token create} — and in
 * fixed-length streaming mode (which disables that retry) it drops the body of a 401, which the
 * CLI needs to explain a missing token. This class does neither: every request is sent exactly once.
 *
 * <p>Bounded: the connect timeout and one deadline for the whole exchange ({@link
 * ApiTransport.Limits}), 8 KiB per status or header line, 100 header lines, and {@code maxBody}
 * bytes of body.
 */
final class PlainHttp implements ApiTransport {
    static final int MAX_LINE = 8 * 1024;
    static final int MAX_HEADERS = 100;

    private final Limits limits;

    PlainHttp(Limits limits) {
        this.limits = limits;
    }

    @Override
    public Reply exchange(String method, URI uri, List<Header> headers, byte @Nullable [] body) throws IOException {
        String host = uri.getHost();
        if (host == null || !"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not an http:// URL");
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        String bareHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        byte[] head = requestHead(method, uri, host, headers, body);
        long deadline = System.nanoTime() + limits.request().toNanos();
        InetSocketAddress address = new InetSocketAddress(bareHost, port);
        if (address.isUnresolved()) {
            throw new UnknownHostException(bareHost);
        }
        try (Socket socket = new Socket(java.net.Proxy.NO_PROXY)) {
            socket.connect(address, timeoutMillis(limits.connect().toNanos()));
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(head);
            if (body != null) {
                out.write(body);
            }
            out.flush();
            DeadlineInput in = new DeadlineInput(socket, deadline);
            return readReply(new BufferedInputStream(in, 8192), method, limits.maxBody());
        }
    }

    /** The request line and headers; rejects a header name or value that could split the request. */
    static byte[] requestHead(String method, URI uri, String host, List<Header> headers, byte @Nullable [] body) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        StringBuilder b = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        b.append("Host: ").append(host).append(uri.getPort() == -1 ? "" : ":" + uri.getPort()).append("\r\n");
        for (Header h : headers) {
            if (!isToken(h.name()) || !isFieldValue(h.value())) {
                // never echo the value: it may be a token
                throw new IllegalArgumentException("the " + h.name() + " header contains a character not allowed in HTTP");
            }
            b.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        if (body != null) {
            b.append("Content-Length: ").append(body.length).append("\r\n");
        }
        b.append("Connection: close\r\n\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean isFieldValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Reads one HTTP/1.1 answer (skipping interim 1xx answers) from {@code in}. */
    static Reply readReply(InputStream in, String method, int maxBody) throws IOException {
        while (true) {
            int status = statusCode(readLine(in));
            long contentLength = -1;
            boolean chunked = false;
            for (int n = 0; ; n++) {
                String line = readLine(in);
                if (line.isEmpty()) {
                    break;
                }
                if (n >= MAX_HEADERS) {
                    throw new IOException("malformed answer: more than " + MAX_HEADERS + " header lines");
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed answer: a header line without a name");
                }
                String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String value = line.substring(colon + 1).strip();
                if (name.equals("content-length")) {
                    long v = contentLength(value);
                    if (contentLength != -1 && contentLength != v) {
                        throw new IOException("malformed answer: conflicting Content-Length headers");
                    }
                    contentLength = v;
                } else if (name.equals("transfer-encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                    if (!chunked) {
                        throw new IOException("malformed answer: unsupported Transfer-Encoding " + value);
                    }
                }
            }
            if (status >= 100 && status < 200) {
                continue; // interim answer (e.g. 100 Continue); the real one follows
            }
            byte[] body;
            if (method.equals("HEAD") || status == 204 || status == 304) {
                body = new byte[0];
            } else if (chunked) {
                body = readChunked(in, maxBody);
            } else if (contentLength >= 0) {
                body = readExactly(in, contentLength, maxBody);
            } else {
                body = readToEnd(in, maxBody);
            }
            return new Reply(status, new String(body, StandardCharsets.UTF_8));
        }
    }

    private static int statusCode(String line) throws IOException {
        // HTTP/1.1 200 OK  (the reason phrase may be empty or missing)
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' '
                || (line.length() > 12 && line.charAt(12) != ' ')) {
            throw new IOException("malformed answer: not an HTTP/1.x status line");
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new IOException("malformed answer: not an HTTP/1.x status line");
            }
            code = code * 10 + (c - '0');
        }
        if (code < 100) {
            throw new IOException("malformed answer: status " + code);
        }
        return code;
    }

    private static long contentLength(String value) throws IOException {
        if (value.isEmpty() || value.length() > 18 || !allDigits(value, 10)) {
            throw new IOException("malformed answer: bad Content-Length");
        }
        return Long.parseLong(value);
    }

    private static boolean allDigits(String s, int radix) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), radix) < 0) {
                return false;
            }
        }
        return true;
    }

    /** One line ending in CRLF (or a bare LF), without it, at most {@link #MAX_LINE} bytes, ISO-8859-1. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c == -1) {
                throw new EOFException("the server closed the connection before the end of its answer");
            }
            if (c == '\n') {
                int len = b.length();
                if (len > 0 && b.charAt(len - 1) == '\r') {
                    b.setLength(len - 1);
                }
                return b.toString();
            }
            if (b.length() >= MAX_LINE) {
                throw new IOException("malformed answer: a line longer than " + MAX_LINE + " bytes");
            }
            b.append((char) c);
        }
    }

    private static byte[] readExactly(InputStream in, long length, int maxBody) throws IOException {
        if (length > maxBody) {
            throw new TooLarge(maxBody);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("the server closed the connection before the end of its answer");
        }
        return body;
    }

    private static byte[] readToEnd(InputStream in, int maxBody) throws IOException {
        byte[] body = in.readNBytes(maxBody + 1);
        if (body.length > maxBody) {
            throw new TooLarge(maxBody);
        }
        return body;
    }

    private static byte[] readChunked(InputStream in, int maxBody) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String line = readLine(in);
            int semi = line.indexOf(';');
            String hex = (semi >= 0 ? line.substring(0, semi) : line).strip();
            if (hex.isEmpty() || hex.length() > 8 || !allDigits(hex, 16)) {
                throw new IOException("malformed answer: bad chunk size");
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                break;
            }
            if (body.size() + size > maxBody) {
                throw new TooLarge(maxBody);
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new EOFException("the server closed the connection before the end of its answer");
            }
            body.write(chunk);
            if (!readLine(in).isEmpty()) {
                throw new IOException("malformed answer: a chunk longer than its size");
            }
        }
        // trailer fields, up to the empty line
        for (int n = 0; !readLine(in).isEmpty(); n++) {
            if (n >= MAX_HEADERS) {
                throw new IOException("malformed answer: more than " + MAX_HEADERS + " trailer lines");
            }
        }
        return body.toByteArray();
    }

    private static int timeoutMillis(long nanos) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
    }

    /** The socket's input, where every read waits at most until the exchange's deadline. */
    private static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream in;
        private final long deadline;

        DeadlineInput(Socket socket, long deadline) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadline = deadline;
        }

        private void arm() throws IOException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw timedOut();
            }
            socket.setSoTimeout(timeoutMillis(left));
        }

        @Override
        public int read() throws IOException {
            arm();
            try {
                return in.read();
            } catch (SocketTimeoutException e) {
                throw timedOut();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            try {
                return in.read(b, off, len);
            } catch (SocketTimeoutException e) {
                throw timedOut();
            }
        }

        private static SocketTimeoutException timedOut() {
            return new SocketTimeoutException("request timed out");
        }
    }
}
