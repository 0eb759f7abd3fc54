package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay both sides of {@code --isolate} use, chained as in a run: TCP listener, Unix socket,
 * TCP upstream. Bytes arrive unchanged in both directions and a half-close is passed on, so a
 * client that ends its request with {@code shutdownOutput} still gets its answer.
 */
@Timeout(60)
class RelayTest {
    @Test
    void bytesAndHalfClosePassThroughBothRelays(@TempDir Path dir) throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().start(() -> {
                try (Socket s = upstream.accept()) {
                    // answers only after the client's end of stream: needs the half-close relayed
                    byte[] request = s.getInputStream().readAllBytes();
                    OutputStream o = s.getOutputStream();
                    o.write(("got " + request.length + " bytes: " + new String(request, 0, 5, StandardCharsets.US_ASCII))
                            .getBytes(StandardCharsets.US_ASCII));
                    o.write(new byte[200_000]);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            Path sock = dir.resolve("r.sock");
            ServerSocketChannel unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            unix.bind(UnixDomainSocketAddress.of(sock));
            ServerSocketChannel tcp = ServerSocketChannel.open();
            tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (Relay outside = Relay.start(unix, () -> SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    upstream.getLocalPort())), "test-outside");
                    Relay inside = Relay.start(tcp, () -> SocketChannel.open(UnixDomainSocketAddress.of(sock)), "test-inside");
                    Socket client = new Socket(InetAddress.getLoopbackAddress(), ((InetSocketAddress) tcp.getLocalAddress()).getPort())) {
                byte[] big = new byte[300_000];
                System.arraycopy("hello".getBytes(StandardCharsets.US_ASCII), 0, big, 0, 5);
                client.getOutputStream().write(big);
                client.shutdownOutput();
                InputStream in = client.getInputStream();
                byte[] answer = in.readAllBytes();
                String head = "got 300000 bytes: hello";
                assertThat(new String(answer, 0, head.length(), StandardCharsets.US_ASCII)).isEqualTo(head);
                assertThat(answer).hasSize(head.length() + 200_000);
            }
            server.join();
        }
    }

    @Test
    void aConnectionWhoseOtherSideIsMissingIsClosed(@TempDir Path dir) throws Exception {
        ServerSocketChannel tcp = ServerSocketChannel.open();
        tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (Relay r = Relay.start(tcp, () -> SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("absent.sock"))), "test");
                Socket client = new Socket(InetAddress.getLoopbackAddress(), ((InetSocketAddress) tcp.getLocalAddress()).getPort())) {
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }
}
