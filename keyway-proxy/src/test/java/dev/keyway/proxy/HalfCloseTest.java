package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection edges a real client produces: a half-close right after a complete request (the client
 * still reads the answer), and bytes that follow a CONNECT head in the same packet (they belong to
 * the tunnel, not to the HTTP parser).
 */
class HalfCloseTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static final String AUTH = "Proxy-Authorization: " + Raw.basic(ProxyFixture.TOKEN + ":" + ProxyFixture.VAULT)
            + "\r\n";

    @Test
    void aClientThatHalfClosesAfterItsRequestStillGetsTheResponse() throws Exception {
        try (SocketUpstream up = new SocketUpstream(null, SocketUpstream.ok("still here")); Raw raw = new Raw(px.port())) {
            raw.send("GET http://plain.test:" + up.port() + "/x HTTP/1.1\r\nHost: plain.test:" + up.port() + "\r\n"
                    + AUTH + "\r\n").shutdownOutput();
            Raw.Response r = raw.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("still here");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void aLocalAnswerAlsoSurvivesTheHalfClose() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            raw.send("GET http://healthz.keyway.invalid/healthz HTTP/1.1\r\nHost: healthz.keyway.invalid\r\n\r\n")
                    .shutdownOutput();
            assertThat(raw.read().body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void bytesRightBehindTheConnectHeadGoThroughTheTunnel() throws Exception {
        try (SocketUpstream up = new SocketUpstream(null, SocketUpstream.ok("tunnelled")); Raw raw = new Raw(px.port())) {
            raw.send("CONNECT tunnel.test:" + up.port() + " HTTP/1.1\r\nHost: tunnel.test:" + up.port() + "\r\n" + AUTH
                    + "\r\n" + "GET /inside HTTP/1.1\r\nHost: tunnel.test\r\n\r\n");
            Raw.Response established = raw.readHead();
            assertThat(established.status()).isEqualTo(200);
            Raw.Response r = raw.read();
            assertThat(r.body()).isEqualTo("tunnelled");
            assertThat(up.requests.poll(5, TimeUnit.SECONDS).target()).isEqualTo("/inside");
        }
    }
}
