package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Revoking a token closes the connections it already opened, including idle and relaying ones that
 * will never send the proxy another request, within the recheck interval (100 ms here).
 */
class RevocationTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture(b -> b.principalRecheckInterval(Duration.ofMillis(100)));

    private static final String AUTH = "Proxy-Authorization: " + Raw.basic("t0k:v") + "\r\n";

    private static void assertRevocationAudited(String mode) throws InterruptedException {
        ProxyFixture.eventually(() -> px.events("connect").stream()
                .anyMatch(e -> "proxy-auth-invalid".equals(e.errorType())));
        assertThat(px.events("connect")).singleElement().satisfies(e -> {
            assertThat(e.mode()).isEqualTo(mode);
            assertThat(e.errorType()).isEqualTo("proxy-auth-invalid");
            assertThat(e.tokenId()).isEqualTo(ProxyFixture.PRINCIPAL.tokenId());
        });
    }

    @Test
    void blindTunnelAndItsUpstreamAreClosed() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                Raw raw = new Raw(px.port())) {
            Raw.Response ok = raw.send("CONNECT tunnel.test:" + upstream.getLocalPort() + " HTTP/1.1\r\n" + AUTH + "\r\n")
                    .read();
            assertThat(ok.status()).isEqualTo(200);
            try (Socket accepted = upstream.accept()) {
                accepted.setSoTimeout(15_000);
                InputStream fromProxy = accepted.getInputStream();
                raw.send("ping");
                assertThat(new String(fromProxy.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("ping");
                // the tunnel is idle from here on: only the periodic recheck can notice the revocation
                px.tokenActive = false;
                assertThat(raw.closedByPeer()).isTrue();
                assertThat(fromProxy.read()).isEqualTo(-1);
            }
        }
        assertRevocationAudited("tunnel");
        assertThat(px.events("connect").getFirst().bytesIn()).isEqualTo(4);
    }

    @Test
    void idleInterceptedKeepAliveConnectionIsClosed() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            px.tokenActive = false;
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertRevocationAudited("intercept");
    }

    @Test
    void idleHttp2TunnelIsClosed() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            assertThat(raw.send("CONNECT api.test:443 HTTP/1.1\r\n" + AUTH + "\r\n").read().status()).isEqualTo(200);
            raw.tls(px.clientTrust.sslContext(), "api.test", true, "h2");
            assertThat(raw.sslSocket().getApplicationProtocol()).isEqualTo("h2");
            // client connection preface + empty SETTINGS: an established, idle HTTP/2 connection
            raw.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\0\0\0\4\0\0\0\0\0");
            px.tokenActive = false;
            assertThat(raw.drainUntilClosed()).isTrue();
        }
        assertRevocationAudited("intercept");
    }

    @Test
    void keepAlivePlainHttpConnectionIsClosed() throws Exception {
        try (MockWebServer up = new MockWebServer(); Raw raw = new Raw(px.port())) {
            up.start(InetAddress.getByName("127.0.0.1"), 0);
            up.enqueue(new MockResponse.Builder().body("plain").build());
            Raw.Response r = raw.send("GET http://plain.test:" + up.getPort() + "/p HTTP/1.1\r\nHost: plain.test\r\n" + AUTH
                    + "\r\n").read();
            assertThat(r.body()).isEqualTo("plain");
            px.tokenActive = false;
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertRevocationAudited("http");
        assertThat(px.events("connect").getFirst().host()).isEqualTo("plain.test");
    }

    @Test
    void activeTokenKeepsIdleConnectionsOpen() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("one").build());
        up.enqueue(new MockResponse.Builder().body("two").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            assertThat(raw.send("GET /1 HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read().body())
                    .isEqualTo("one");
            // several recheck rounds pass while the token stays active
            ProxyFixture.eventually(() -> px.policyChecks() >= 5);
            assertThat(raw.send("GET /2 HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read().body())
                    .isEqualTo("two");
        }
        // the tunnel's record is written when it closes: wait for it, so the assertion cannot pass on an empty list
        ProxyFixture.eventually(() -> !px.events("connect").isEmpty());
        assertThat(px.events("connect")).isNotEmpty().allSatisfy(e -> assertThat(e.errorType()).isNull());
    }
}
