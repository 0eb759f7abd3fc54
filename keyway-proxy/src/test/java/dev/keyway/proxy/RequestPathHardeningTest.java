package dev.keyway.proxy;

import static dev.keyway.proxy.ProxyFixture.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.proxy.spi.ProxyAuditEvent;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hardening of the request path (issue 15): what is audited is what the client sent, never the
 * forwarded (substituted) target; upstreams cannot speak as Keyway; client trailers and duplicate
 * Host fields cannot get past the policy.
 */
class RequestPathHardeningTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static void assertNoSecret(List<ProxyAuditEvent> events) {
        assertThat(events.toString()).doesNotContain(SECRET);
        for (ProxyAuditEvent e : events) {
            assertThat(String.valueOf(e.path())).doesNotContain(SECRET);
        }
    }

    @Test
    void auditRecordsThePlaceholderPathNeverTheSubstitutedOne() throws Exception {
        px.substituteTarget = true;
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("sent").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET /bot__PH__/sendMessage?token=__PH__ HTTP/1.1\r\nHost: api.test:" + up.getPort()
                    + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
        }
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertThat(req.getTarget()).as("the upstream gets the secret").isEqualTo("/bot" + SECRET + "/sendMessage?token=" + SECRET);
        ProxyFixture.eventually(() -> !px.events("request", up.getPort()).isEmpty());
        assertThat(px.decisions).singleElement().satisfies(d -> assertThat(d.path()).isEqualTo("/bot__PH__/sendMessage"));
        assertThat(px.events("request", up.getPort())).singleElement()
                .satisfies(e -> assertThat(e.path()).isEqualTo("/bot__PH__/sendMessage"));
        assertNoSecret(List.copyOf(px.decisions));
        assertNoSecret(List.copyOf(px.events));
    }

    @Test
    void deniedRecordAfterInjectionKeepsThePlaceholder() throws Exception {
        px.substituteTarget = true;
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (Raw raw = px.intercepted("down.test", closed, "down.test")) {
            Raw.Response r = raw.send("GET /bot__PH__/x HTTP/1.1\r\nHost: down.test:" + closed + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
        }
        ProxyFixture.eventually(() -> !px.events("denied", closed).isEmpty());
        assertThat(px.decisions).singleElement().satisfies(d -> assertThat(d.path()).isEqualTo("/bot__PH__/x"));
        assertThat(px.events("denied", closed)).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("/bot__PH__/x");
            assertThat(e.errorType()).isEqualTo("upstream-unreachable");
        });
        assertNoSecret(List.copyOf(px.decisions));
        assertNoSecret(List.copyOf(px.events));
    }

    @Test
    void webSocketUpgradeAuditsThePlaceholderAndLosesUpstreamKeywayHeaders() throws Exception {
        px.substituteTarget = true;
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), (req, out) -> {
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nKeyway-Error: service-rule-denied\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return false;
        })) {
            try (Raw raw = px.intercepted("ws.test", up.port(), "ws.test")) {
                Raw.Response r = raw.send("GET /ws/__PH__?key=__PH__ HTTP/1.1\r\nHost: ws.test:" + up.port()
                        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").readHead();
                assertThat(r.status()).isEqualTo(101);
                assertThat(r.headers()).doesNotContainKey("keyway-error");
            }
            SocketUpstream.Request req = up.requests.poll(5, TimeUnit.SECONDS);
            assertThat(req.target()).isEqualTo("/ws/" + SECRET + "?key=" + SECRET);
            ProxyFixture.eventually(() -> !px.events("request", up.port()).isEmpty());
            assertThat(px.decisions).singleElement().satisfies(d -> assertThat(d.path()).isEqualTo("/ws/__PH__"));
            assertThat(px.events("request", up.port())).singleElement()
                    .satisfies(e -> assertThat(e.path()).isEqualTo("/ws/__PH__"));
            assertNoSecret(List.copyOf(px.decisions));
            assertNoSecret(List.copyOf(px.events));
        }
    }

    @Test
    void upstreamKeywayHeadersNeverReachTheClientOverHttp1() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().code(403).addHeader("Keyway-Error", "service-rule-denied")
                .addHeader("keyway-request-id", "req_fake").addHeader("X-Upstream", "1").body("no").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("X-Upstream")).isEqualTo("1");
            assertThat(r.headers().keySet()).noneMatch(n -> n.startsWith("keyway-"));
            assertThat(r.body()).isEqualTo("no");
        }
    }

    @Test
    void upstreamKeywayHeadersNeverReachTheClientOverHttp2() throws Exception {
        MockWebServer up = px.httpsUpstream(true);
        up.enqueue(new MockResponse.Builder().code(403).addHeader("Keyway-Error", "service-rule-denied")
                .addHeader("X-Upstream", "1").body("no").build());
        var r = Proc.run(List.of(Proc.require("curl"), "-sS", "-i", "--http2", "--proxy", px.proxyUrl(), "--cacert",
                px.caPem.toString(), "https://api.test:" + up.getPort() + "/two"), Map.of(), px.dir, 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("HTTP/2 403").containsIgnoringCase("x-upstream: 1");
        assertThat(r.out().toLowerCase(java.util.Locale.ROOT)).doesNotContain("keyway-error");
        assertThat(up.takeRequest(5, TimeUnit.SECONDS).getVersion()).isEqualTo("HTTP/2");
    }

    @Test
    void clientTrailersAreDroppedSoNoAuthorizationRidesBesideTheInjectedOne() throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), SocketUpstream.ok("got"))) {
            try (Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
                Raw.Response r = raw.send("POST /upload HTTP/1.1\r\nHost: api.test:" + up.port()
                        + "\r\nTransfer-Encoding: chunked\r\nTrailer: Authorization, X-Checksum\r\n\r\n"
                        + "5\r\nhello\r\n0\r\nAuthorization: Bearer attacker\r\nX-Checksum: 1\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
            }
            SocketUpstream.Request req = up.requests.poll(5, TimeUnit.SECONDS);
            assertThat(new String(req.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(req.header("Authorization")).isEqualTo("Bearer " + SECRET);
            assertThat(req.header("Trailer")).isNull();
            assertThat(req.trailers()).isEmpty();
        }
    }

    @Test
    void twoHostHeadersInATunnelAreRefused() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("must not happen").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\nHost: other.test\r\n\r\n")
                    .read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Keyway-Error")).isEqualTo("malformed-request");
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        assertThat(up.takeRequest(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(px.decisions).isEmpty();
    }
}
