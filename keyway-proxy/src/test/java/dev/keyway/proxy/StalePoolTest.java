package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A pooled keep-alive upstream connection that the upstream closed while idle: the next request on
 * it fails before any response byte and is replayed once on a fresh connection when that is safe.
 */
class StalePoolTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    /** Answers the first request of every connection (no body for HEAD) and hangs up on any later one. */
    private static boolean firstRequestOnly(SocketUpstream.Request r, OutputStream out) throws java.io.IOException {
        if (r.index() > 1) {
            return false; // the upstream had decided to close this idle connection just as the request arrived
        }
        byte[] body = ("answered " + r.method() + " on connection " + r.connection()).getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        if (!r.method().equals("HEAD")) {
            out.write(body);
        }
        out.flush();
        return true;
    }

    private static String request(String method, int port, String body) {
        String head = method + " /r HTTP/1.1\r\nHost: api.test:" + port + "\r\n";
        return body == null ? head + "\r\n" : head + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @ParameterizedTest(name = "{0} body={1} -> {2}")
    @CsvSource(nullValues = "none", value = {
        "GET,     none,           200",
        "HEAD,    none,           200",
        "OPTIONS, none,           200",
        "DELETE,  none,           200",
        "PUT,     buffered,       200",
        "PUT,     streamed,       502",
        "POST,    none,           502",
        "POST,    buffered,       502",
    })
    void requestOnAStalePooledConnection(String method, String bodyMode, int expected) throws Exception {
        px.rewriteBodies = "buffered".equals(bodyMode); // a rewritten small body is buffered whole for its length
        String body = bodyMode == null ? null : "token=__PH__";
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), StalePoolTest::firstRequestOnly);
                Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
            // warm the pool: connection 1 answers and goes back to the pool of this client's event loop
            assertThat(raw.send(request("GET", up.port(), null)).read().body()).isEqualTo("answered GET on connection 1");
            raw.send(request(method, up.port(), body));
            Raw.Response r = method.equals("HEAD") ? raw.readHead() : raw.read();
            assertThat(r.status()).as(r.toString()).isEqualTo(expected);
            SocketUpstream.Request warm = up.requests.poll(5, TimeUnit.SECONDS);
            SocketUpstream.Request lost = up.requests.poll(5, TimeUnit.SECONDS);
            assertThat(warm.connection()).isEqualTo(1);
            assertThat(lost.connection()).isEqualTo(1);
            assertThat(lost.method()).isEqualTo(method);
            if (expected == 200) {
                SocketUpstream.Request replayed = up.requests.poll(5, TimeUnit.SECONDS);
                assertThat(replayed.connection()).isEqualTo(2);
                assertThat(replayed.method()).isEqualTo(method);
                assertThat(replayed.header("Authorization")).isEqualTo("Bearer " + ProxyFixture.SECRET);
                assertThat(new String(replayed.body(), StandardCharsets.UTF_8))
                        .isEqualTo(body == null ? "" : body.replace("__PH__", ProxyFixture.GIT_SECRET));
                assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(
                        ("answered " + method + " on connection 2").length()));
            } else {
                assertThat(r.header("Keyway-Error")).isEqualTo("upstream-protocol-error");
                assertThat(up.connections.get()).isEqualTo(1);
            }
        }
    }

    @Test
    void freshConnectionFailureIsNotReplayed() throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), (r, out) -> false);
                Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
            Raw.Response r = raw.send(request("GET", up.port(), null)).read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Keyway-Error")).isEqualTo("upstream-protocol-error");
        }
        // (connections are counted on accept; a retry would have made a second one)
        assertThat(px.events("denied")).singleElement().satisfies(e -> assertThat(e.status()).isEqualTo(502));
    }

    /**
     * Some servers answer an idle keep-alive connection's timeout with {@code 408 Request Timeout}
     * and close it. If that arrives after the proxy took the connection from the pool for a request
     * but before it sent the request (here: while the request waits for its decision record), it is
     * not the answer to that request: the connection is stale and the request goes on a fresh one.
     */
    @Test
    void anAnswerBeforeTheRequestWasSentMeansStaleAndTheRequestGoesOnAFreshConnection() throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), SocketUpstream.ok("fine"));
                Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
            up.idleFarewell = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
            up.closeIdleAfter = Duration.ofMillis(300);
            assertThat(raw.send(request("GET", up.port(), null)).read().body()).isEqualTo("fine");
            CompletableFuture<Void> hold = new CompletableFuture<>();
            px.holdDecisions = hold;
            raw.send(request("GET", up.port(), null)); // takes pooled connection 1, waits at the send gate
            ProxyFixture.eventually(() -> up.closedIdle.get() == 1); // connection 1 said 408 and closed meanwhile
            hold.complete(null);
            Raw.Response r = raw.read();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("fine");
            assertThat(up.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void connectionClosedWhileIdleLeavesThePool() throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), SocketUpstream.ok("fine"));
                Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
            up.closeIdleAfter = Duration.ofMillis(100);
            assertThat(raw.send(request("POST", up.port(), "a=1")).read().body()).isEqualTo("fine");
            ProxyFixture.eventually(() -> up.closedIdle.get() == 1);
            // even a POST is fine: the proxy saw the close and never reuses that connection
            assertThat(raw.send(request("POST", up.port(), "a=2")).read().body()).isEqualTo("fine");
            assertThat(up.connections.get()).isEqualTo(2);
        }
    }
}
