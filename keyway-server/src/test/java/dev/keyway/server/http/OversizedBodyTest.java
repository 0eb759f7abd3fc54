package dev.keyway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An oversize request body is answered 413 and the client can read that answer even while it is
 * still sending: the server drains the rest instead of closing under the client (which the kernel
 * turns into a reset that destroys the unread 413).
 */
class OversizedBodyTest {
    HttpApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void slowClientSendingTooMuchStillReads413() throws Exception {
        Router r = new Router();
        r.put("/x", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "text/plain", "accepted " + req.body().length));
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);
        int total = 2 * 1024 * 1024;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("PUT /x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                            + total + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            // keeps sending after the server has answered; a premature close makes these writes fail
            for (int sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
                out.flush();
                Thread.sleep(10); // paces a real socket upload
            }
            String response = readAll(s.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 413");
            assertThat(response).contains("application/problem+json").contains("payload-too-large");
            assertThat(response.toLowerCase()).contains("connection: close");
        }
    }

    @Test
    void bodiesWithinTheLimitAreServed() throws Exception {
        Router r = new Router();
        r.put("/x", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "text/plain", "accepted " + req.body().length));
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("PUT /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 1024\r\n\r\n"
                            + "a".repeat(1024))
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 200").endsWith("accepted 1024");
        }
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }
}
