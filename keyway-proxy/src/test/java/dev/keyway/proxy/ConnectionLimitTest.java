package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.limit.ConnectionLimits;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy listener holds a bounded number of connections, in total and per client address (the
 * attack run held 3,000 idle unauthenticated ones): a connection over a limit is closed at once,
 * counted, and the slot is free again when an admitted connection closes.
 */
class ConnectionLimitTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture(b -> b.connectionLimits(new ConnectionLimits(4, 3)));

    private static final byte[] HEALTH = "GET http://healthz.keyway.invalid/healthz HTTP/1.1\r\nHost: h\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private static Socket from(String localAddress) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
        s.connect(new InetSocketAddress("127.0.0.1", px.port()));
        s.setSoTimeout(10_000);
        return s;
    }

    /** True when the proxy answers the health request on this connection. */
    private static boolean served(Socket s) throws IOException {
        try {
            s.getOutputStream().write(HEALTH);
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/1.1 200");
        } catch (SocketException e) {
            return false; // reset: refused
        }
    }

    /** True when the proxy closed the connection without answering. */
    private static boolean refused(Socket s) throws IOException {
        try {
            s.getOutputStream().write(HEALTH);
            return s.getInputStream().read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }

    @Test
    void perAddressAndTotalLimitsRefuseAndRecover() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = from("127.0.0.1");
                open.add(s);
                assertThat(served(s)).as("connection %d", i).isTrue();
            }
            try (Socket fourth = from("127.0.0.1")) {
                assertThat(refused(fourth)).as("over the per-address limit").isTrue();
            }
            Socket other = from("127.0.0.2");
            open.add(other);
            assertThat(served(other)).as("another address still has room").isTrue();
            try (Socket fifth = from("127.0.0.3")) {
                assertThat(refused(fifth)).as("over the total limit").isTrue();
            }
            assertThat(px.refusedConnections()).isEqualTo(2);

            open.removeFirst().close();
            ProxyFixture.eventually(() -> {
                try (Socket again = from("127.0.0.1")) {
                    return served(again);
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
