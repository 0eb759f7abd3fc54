package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/1.1 pipelining: requests sent back to back without waiting are answered in request order,
 * whether forwarded or answered by the proxy itself, on a plain proxy connection and inside an
 * intercepted tunnel (the proxy parses the next request only once the previous response is written).
 */
class PipeliningTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static final String AUTH = "Proxy-Authorization: " + Raw.basic(ProxyFixture.TOKEN + ":" + ProxyFixture.VAULT)
            + "\r\n";

    /** Answers with the request target, so the order of the answers is visible. */
    private static boolean echoTarget(SocketUpstream.Request r, OutputStream out) throws java.io.IOException {
        byte[] b = ("answer to " + r.target()).getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return true;
    }

    private static String plainGet(int port, String path) {
        return "GET http://plain.test:" + port + path + " HTTP/1.1\r\nHost: plain.test:" + port + "\r\n" + AUTH + "\r\n";
    }

    private static final String HEALTH = "GET http://healthz.keyway.invalid/healthz HTTP/1.1\r\nHost: healthz.keyway.invalid\r\n\r\n";

    @Test
    void forwardedThenLocalAnswerOnAPlainConnection() throws Exception {
        try (SocketUpstream up = new SocketUpstream(null, PipeliningTest::echoTarget); Raw raw = new Raw(px.port())) {
            raw.send(plainGet(up.port(), "/first") + HEALTH + plainGet(up.port(), "/third"));
            assertThat(raw.read().body()).isEqualTo("answer to /first");
            assertThat(raw.read().body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(raw.read().body()).isEqualTo("answer to /third");
        }
    }

    @Test
    void twoForwardedOnAPlainConnection() throws Exception {
        try (SocketUpstream up = new SocketUpstream(null, PipeliningTest::echoTarget); Raw raw = new Raw(px.port())) {
            raw.send(plainGet(up.port(), "/one") + plainGet(up.port(), "/two"));
            Raw.Response first = raw.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("answer to /one");
            assertThat(raw.read().body()).isEqualTo("answer to /two");
            // and the connection is still in sync afterwards
            assertThat(raw.send(plainGet(up.port(), "/after")).read().body()).isEqualTo("answer to /after");
        }
    }

    @Test
    void forwardedDeniedForwardedInsideAnInterceptedTunnel() throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), PipeliningTest::echoTarget);
                Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
            String host = "Host: api.test:" + up.port() + "\r\n";
            raw.send("GET /a HTTP/1.1\r\n" + host + "\r\n"
                    + "POST /forbidden HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc"
                    + "GET /c HTTP/1.1\r\n" + host + "\r\n");
            assertThat(raw.read().body()).isEqualTo("answer to /a");
            Raw.Response denied = raw.read();
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.header("Keyway-Error")).isEqualTo("service-rule-denied");
            assertThat(raw.read().body()).isEqualTo("answer to /c");
        }
    }
}
