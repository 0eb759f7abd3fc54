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

    /**
     * The reported case: the TLS ClientHello in the same packet as the CONNECT head of an intercepted
     * tunnel (it used to be parsed as a second HTTP request, and the handshake hung for 120 s).
     */
    @Test
    void aClientHelloInTheConnectPacketStartsTheInterceptedHandshake() throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), SocketUpstream.ok("intercepted"));
                java.net.Socket s = new java.net.Socket("127.0.0.1", px.port())) {
            s.setSoTimeout(10_000);
            javax.net.ssl.SSLEngine engine = px.clientTrust.sslContext().createSSLEngine("api.test", up.port());
            engine.setUseClientMode(true);
            javax.net.ssl.SSLParameters params = engine.getSSLParameters();
            params.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName("api.test")));
            params.setApplicationProtocols(new String[] {"http/1.1"});
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
            TlsPump tls = new TlsPump(engine, s.getInputStream(), s.getOutputStream());
            byte[] hello = tls.firstFlight();
            byte[] head = ("CONNECT api.test:" + up.port() + " HTTP/1.1\r\nHost: api.test:" + up.port() + "\r\n" + AUTH
                    + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] packet = java.util.Arrays.copyOf(head, head.length + hello.length);
            System.arraycopy(hello, 0, packet, head.length, hello.length);
            s.getOutputStream().write(packet); // one write: head and ClientHello together
            String established = tls.readPlainHead();
            assertThat(established).startsWith("HTTP/1.1 200");
            tls.finishHandshake();
            tls.send("GET /x HTTP/1.1\r\nHost: api.test:" + up.port() + "\r\n\r\n");
            assertThat(tls.receiveUntil("intercepted")).startsWith("HTTP/1.1 200");
            assertThat(up.requests.poll(5, TimeUnit.SECONDS).header("Authorization")).isEqualTo("Bearer " + ProxyFixture.SECRET);
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
