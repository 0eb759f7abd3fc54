package dev.keyway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The control-plane listener bounds what one client can hold: a request head must arrive within the
 * header timeout (a client dripping bytes gets 408 and the connection closes), and connections are
 * capped per client address and in total (429 problem, then close).
 */
class ListenerLimitsTest {
    HttpApiServer server;
    final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Router router() {
        Router r = new Router();
        r.get("/x", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "text/plain", "x"));
        return r;
    }

    @Test
    void aClientDrippingItsHeadersGets408AndIsDisconnected() throws Exception {
        server = HttpApiServer.start("127.0.0.1", 0, router(), 1024, new ListenerLimits(16, 16, Duration.ofSeconds(1)));
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] head = "GET /x HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slowloris/1.0 dripping one byte at a time\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            // One byte every 200 ms would take ~18 s for the whole head; the server must cut it off.
            int sent = 0;
            while (sent < head.length - 4 && in.available() == 0) {
                out.write(head[sent++]);
                out.flush();
                Thread.sleep(200); // slowloris drip: the header-read timeout is a network timeout
            }
            String response = PipeliningTest.readAll(in);
            assertThat(sent).isLessThan(head.length - 4);
            assertThat(response).startsWith("HTTP/1.1 408").contains("application/problem+json")
                    .contains("request-timeout").containsIgnoringCase("connection: close");
        }
    }

    @Test
    void aKeptAliveConnectionServesTheNextRequestAfterTheFirst() throws Exception {
        server = HttpApiServer.start("127.0.0.1", 0, router(), 1024, new ListenerLimits(16, 16, Duration.ofSeconds(1)));
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[4096];
            int n = s.getInputStream().read(buf);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200").endsWith("x");
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(PipeliningTest.readAll(s.getInputStream())).startsWith("HTTP/1.1 200").endsWith("x");
        }
    }

    @Test
    void connectionsAreCappedPerAddressAndInTotal() throws Exception {
        server = HttpApiServer.start("127.0.0.1", 0, router(), 1024, new ListenerLimits(3, 2, Duration.ofSeconds(10)));
        Socket a1 = open("127.0.0.1");
        Socket a2 = open("127.0.0.1");
        assertServes(a1);
        String refused = PipeliningTest.readAll(open("127.0.0.1").getInputStream());
        assertThat(refused).startsWith("HTTP/1.1 429").contains("rate-limited").contains("your address");

        Socket b1 = open("127.0.0.2");
        assertServes(b1);
        String full = PipeliningTest.readAll(open("127.0.0.3").getInputStream());
        assertThat(full).startsWith("HTTP/1.1 429").contains("too many open connections");

        // A connection that ends frees its slot: a2 asks to close, then a new one from 127.0.0.3 is served.
        a2.getOutputStream().write("GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(PipeliningTest.readAll(a2.getInputStream())).startsWith("HTTP/1.1 200");
        assertServes(open("127.0.0.3"));
    }

    private Socket open(String from) throws Exception {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()));
        s.setSoTimeout(10_000);
        return s;
    }

    private static void assertServes(Socket s) throws Exception {
        s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] buf = new byte[4096];
        int n = s.getInputStream().read(buf);
        assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
    }
}
