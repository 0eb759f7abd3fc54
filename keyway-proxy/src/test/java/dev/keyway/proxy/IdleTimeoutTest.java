package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The three idle timeouts, each configured short: client keep-alive, CONNECT tunnel, upstream pool. */
class IdleTimeoutTest {
    @RegisterExtension
    static final ProxyFixture shortIdle = new ProxyFixture(b -> b
            .clientIdleTimeout(Duration.ofMillis(1500))
            .tunnelIdleTimeout(Duration.ofMillis(2000)));

    @RegisterExtension
    static final ProxyFixture shortPool = new ProxyFixture(b -> b.poolIdleTimeout(Duration.ofMillis(300)));

    private static final String AUTH = "Proxy-Authorization: " + Raw.basic("t0k:v") + "\r\n";

    @Test
    void idleKeepAliveClientConnectionIsClosed() throws Exception {
        try (SocketUpstream up = new SocketUpstream(null, SocketUpstream.ok("hi")); Raw raw = new Raw(shortIdle.port())) {
            String get = "GET http://plain.test:" + up.port() + "/ HTTP/1.1\r\nHost: plain.test\r\n" + AUTH + "\r\n";
            assertThat(raw.send(get).read().body()).isEqualTo("hi");
            assertThat(raw.send(get).read().body()).isEqualTo("hi"); // kept alive between requests
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void silentClientConnectionIsClosed() throws Exception {
        try (Raw raw = new Raw(shortIdle.port())) {
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void idleBlindTunnelIsClosedWithItsUpstream() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                Raw raw = new Raw(shortIdle.port())) {
            assertThat(raw.send("CONNECT tunnel.test:" + upstream.getLocalPort() + " HTTP/1.1\r\n" + AUTH + "\r\n").read()
                    .status()).isEqualTo(200);
            try (Socket accepted = upstream.accept()) {
                accepted.setSoTimeout(15_000);
                InputStream fromProxy = accepted.getInputStream();
                raw.send("x");
                assertThat(new String(fromProxy.readNBytes(1), StandardCharsets.US_ASCII)).isEqualTo("x");
                assertThat(raw.closedByPeer()).isTrue();
                assertThat(fromProxy.read()).isEqualTo(-1);
            }
        }
        ProxyFixture.eventually(() -> !shortIdle.events("connect").isEmpty());
        assertThat(shortIdle.events("connect")).singleElement().satisfies(e -> {
            assertThat(e.mode()).isEqualTo("tunnel");
            assertThat(e.errorType()).isNull();
        });
    }

    @Test
    void idleInterceptedTunnelIsClosed() throws Exception {
        try (SocketUpstream up = new SocketUpstream(shortIdle.upstreamServerCerts.sslContext(), SocketUpstream.ok("in"));
                Raw raw = shortIdle.intercepted("api.test", up.port(), "api.test")) {
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: api.test:" + up.port() + "\r\n\r\n").read().body()).isEqualTo("in");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void idlePooledUpstreamConnectionIsClosedAndReplaced() throws Exception {
        try (SocketUpstream up = new SocketUpstream(null, SocketUpstream.ok("pooled")); Raw raw = new Raw(shortPool.port())) {
            String get = "GET http://plain.test:" + up.port() + "/ HTTP/1.1\r\nHost: plain.test\r\n" + AUTH + "\r\n";
            assertThat(raw.send(get).read().body()).isEqualTo("pooled");
            // the upstream never closes; the proxy's pool does once the connection sat idle
            ProxyFixture.eventually(() -> up.closedByProxy.get() == 1);
            assertThat(up.connections.get()).isEqualTo(1);
            // the client connection is still open, and the next request dials afresh
            assertThat(raw.send(get).read().body()).isEqualTo("pooled");
            assertThat(up.connections.get()).isEqualTo(2);
            assertThat(up.requests.poll(5, TimeUnit.SECONDS).connection()).isEqualTo(1);
            assertThat(up.requests.poll(5, TimeUnit.SECONDS).connection()).isEqualTo(2);
        }
    }
}
