package dev.keyway.cli;

import dev.keyway.core.oauth.AuthorizationCallback;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The loopback redirect of a native app's authorization-code flow (RFC 8252 §7.3): a listener on
 * {@code 127.0.0.1} only (never a wildcard address: nothing off this machine can reach it), on an
 * ephemeral port, that accepts exactly one {@code GET /callback} and then closes. Other paths (a
 * browser's {@code /favicon.ico}) get 404 and do not count. Everything is bounded: the whole wait
 * by the caller's deadline, each connection by a read timeout and an 8 KiB request head, so a
 * local process that connects and says nothing cannot hold the command.
 *
 * <p>A small blocking socket server instead of {@code com.sun.net.httpserver}: the command needs one
 * request, and the distribution's runtime does not ship {@code jdk.httpserver}.
 */
final class LoopbackRedirect implements AutoCloseable {
    static final String PATH = "/callback";
    private static final int MAX_HEAD = 8 * 1024;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final ServerSocket socket;
    private final Clock clock;

    /** Thrown when no callback arrived before the deadline. */
    static final class TimedOut extends Exception {
        private static final long serialVersionUID = 1L;

        TimedOut() {
            super(null, null, false, false);
        }
    }

    LoopbackRedirect(Clock clock) throws IOException {
        this.clock = clock;
        this.socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 8);
    }

    /** {@code http://127.0.0.1:PORT/callback}: RFC 8252 §7.3 prefers the IP literal to {@code localhost}. */
    URI redirectUri() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + PATH);
    }

    /** Waits for the one callback until {@code deadline}; its meaning given the state this client sent. */
    AuthorizationCallback await(String expectedState, Instant deadline) throws IOException, TimedOut {
        try {
            while (true) {
                long left = Duration.between(clock.instant(), deadline).toMillis();
                if (left <= 0) {
                    throw new TimedOut();
                }
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                Socket s;
                try {
                    s = socket.accept();
                } catch (SocketTimeoutException e) {
                    throw new TimedOut();
                }
                try (s) {
                    s.setSoTimeout((int) Math.min(left, READ_TIMEOUT.toMillis()));
                    String target = requestTarget(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    if (target == null) {
                        answer(out, 400, "Bad request.");
                        continue;
                    }
                    URI u;
                    try {
                        u = new URI(target);
                    } catch (java.net.URISyntaxException e) {
                        answer(out, 400, "Bad request.");
                        continue;
                    }
                    if (!PATH.equals(u.getRawPath())) {
                        answer(out, 404, "Not found.");
                        continue;
                    }
                    AuthorizationCallback c = AuthorizationCallback.parse(u.getRawQuery() == null ? "" : u.getRawQuery(), expectedState);
                    answer(out, c instanceof AuthorizationCallback.Code ? 200 : 400, switch (c) {
                        case AuthorizationCallback.Code code -> "Keyway received the authorization. You can close this tab"
                                + " and return to the terminal.";
                        case AuthorizationCallback.Denied d -> "The authorization was refused (" + html(d.error()) + ").";
                        case AuthorizationCallback.StateMismatch m -> "This redirect does not belong to the pending"
                                + " 'keyway oauth authorize' (state mismatch); it was ignored and the command stopped.";
                        case AuthorizationCallback.Malformed m -> "The redirect is malformed: " + html(m.reason()) + ".";
                    });
                    return c;
                } catch (SocketTimeoutException e) {
                    // this connection said nothing in time; keep waiting for the real callback
                }
            }
        } finally {
            close();
        }
    }

    /** The request target of a {@code GET}, or null for anything else or a head over 8 KiB. */
    private static @Nullable String requestTarget(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        int matched = 0;
        while (matched < 4 && (c = in.read()) >= 0) {
            b.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3)) ? matched + 1
                    : c == '\r' ? 1 : 0;
            if (b.size() > MAX_HEAD) {
                return null;
            }
        }
        String head = b.toString(StandardCharsets.ISO_8859_1);
        int eol = head.indexOf("\r\n");
        String[] line = (eol < 0 ? head : head.substring(0, eol)).split(" ");
        if (line.length != 3 || !line[0].equals("GET") || !line[2].startsWith("HTTP/1.") || !line[1].startsWith("/")) {
            return null;
        }
        return line[1];
    }

    private static void answer(OutputStream out, int status, String text) throws IOException {
        byte[] body = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Keyway</title></head><body><p>" + text
                + "</p></body></html>\n").getBytes(StandardCharsets.UTF_8);
        String reason = switch (status) {
            case 200 -> "OK";
            case 404 -> "Not Found";
            default -> "Bad Request";
        };
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                + body.length + "\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
