package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.security.cert.X509Certificate;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Request entry on the proxy port, byte for byte: auth, request shapes, limits, CONNECT outcomes. */
class EntryTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static final String AUTH = "Proxy-Authorization: " + Raw.basic("t0k:v") + "\r\n";

    private static void assertProblem(Raw.Response r, int status, String slug) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Keyway-Error")).isEqualTo(slug);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        JsonNode doc = JsonMapper.builder().build().readTree(r.body());
        assertThat(doc.get("type").asString()).isEqualTo("https://keyway.dev/errors/" + slug);
        assertThat(doc.get("status").asInt()).isEqualTo(status);
        assertThat(doc.get("title").asString()).isNotBlank();
        assertThat(doc.get("detail").asString()).isNotBlank();
        assertThat(doc.get("request_id").asString()).startsWith("req_");
        assertThat(doc.has("requestId")).as("one problem body for both listeners: request_id").isFalse();
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    static Stream<Arguments> rejectedRequests() {
        String big = "X-Big: " + "a".repeat(40_000) + "\r\n";
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        return Stream.of(
                Arguments.of("origin form", "GET /x HTTP/1.1\r\nHost: api.test\r\n\r\n", 400, "origin-form-rejected"),
                Arguments.of("https url", "GET https://api.test/x HTTP/1.1\r\nHost: api.test\r\n" + AUTH + "\r\n", 400,
                        "https-url-rejected"),
                Arguments.of("garbage line", "HELLO\r\n\r\n", 400, "malformed-request"),
                Arguments.of("bad version", "GET http://api.test/ HTTP/7.1\r\n\r\n", 400, "malformed-request"),
                Arguments.of("ftp url", "GET ftp://api.test/ HTTP/1.1\r\n" + AUTH + "\r\n", 400, "malformed-request"),
                Arguments.of("connect without port target", "CONNECT [::1 HTTP/1.1\r\n\r\n", 400, "malformed-request"),
                Arguments.of("long request line", "GET http://api.test/" + "a".repeat(9000) + " HTTP/1.1\r\n\r\n", 431,
                        "headers-too-large"),
                Arguments.of("huge header", "GET http://api.test/ HTTP/1.1\r\n" + big + "\r\n", 431, "headers-too-large"),
                Arguments.of("too many headers", "GET http://api.test/ HTTP/1.1\r\n" + many + "\r\n", 431,
                        "headers-too-large"),
                Arguments.of("no credentials", "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n", 407,
                        "proxy-auth-required"),
                Arguments.of("wrong token", "CONNECT api.test:443 HTTP/1.1\r\nProxy-Authorization: "
                        + Raw.basic("nope:v") + "\r\n\r\n", 407, "proxy-auth-invalid"),
                Arguments.of("absolute http without credentials", "GET http://plain.test/ HTTP/1.1\r\n\r\n", 407,
                        "proxy-auth-required"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedRequests")
    void rejectsWithProblem(String name, String request, int status, String slug) throws Exception {
        try (Raw raw = new Raw(px.port())) {
            Raw.Response r = raw.send(request).read();
            assertProblem(r, status, slug);
            if (status == 407) {
                assertThat(r.header("Proxy-Authenticate")).isEqualTo("Basic realm=\"keyway\"");
            }
        }
        if (status != 407) { // auth failures are audited once per address and window (AuthAuditTest)
            assertThat(px.events("denied")).anySatisfy(e -> assertThat(e.errorType()).isEqualTo(slug));
        }
    }

    @Test
    void connectRetryWithCredentialsOnTheSameConnection() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            Raw.Response first = raw.send("CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n").read();
            assertProblem(first, 407, "proxy-auth-required");
            assertThat(first.header("Connection")).isNull();
            Raw.Response second = raw.send("CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n" + AUTH + "\r\n").read();
            assertThat(second.status()).isEqualTo(200);
            // the connection is now a TLS server presenting a Keyway leaf for api.test
            raw.tls(px.clientTrust.sslContext(), "api.test", true);
            X509Certificate leaf = (X509Certificate) raw.sslSocket().getSession().getPeerCertificates()[0];
            assertThat(leaf.getIssuerX500Principal().getName()).contains("Keyway Test CA");
        }
    }

    @Test
    void http10ConnectRejectedThenClosed() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            Raw.Response r = raw.send("CONNECT api.test:443 HTTP/1.0\r\n\r\n").read();
            assertProblem(r, 407, "proxy-auth-required");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void blindTunnelRelaysBytesAndClientSeesUpstreamCertificate() throws Exception {
        // tunnel.test is tunnelled: the client talks TLS with the upstream itself
        int port;
        try (var upstream = px.httpsUpstream(false); Raw raw = new Raw(px.port())) {
            port = upstream.getPort();
            upstream.enqueue(new mockwebserver3.MockResponse.Builder().body("from-upstream").build());
            Raw.Response ok = raw.send("CONNECT tunnel.test:" + upstream.getPort() + " HTTP/1.1\r\n" + AUTH + "\r\n").read();
            assertThat(ok.status()).isEqualTo(200);
            SSLContext trustUpstream = new okhttp3.tls.HandshakeCertificates.Builder()
                    .addTrustedCertificate(px.upstreamCa.certificate()).build().sslContext();
            raw.tls(trustUpstream, "tunnel.test", true);
            X509Certificate cert = (X509Certificate) raw.sslSocket().getSession().getPeerCertificates()[0];
            assertThat(cert.getIssuerX500Principal().getName()).contains("Upstream Test CA");
            Raw.Response r = raw.send("GET /t HTTP/1.1\r\nHost: tunnel.test\r\nAuthorization: mine\r\n\r\n").read();
            assertThat(r.body()).isEqualTo("from-upstream");
            var recorded = upstream.takeRequest();
            assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("mine"); // untouched
        }
        // the tunnel's audit record arrives when it closes
        long deadline = System.currentTimeMillis() + 5000;
        while (px.events("connect", port).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20); // polls the asynchronous audit sink
        }
        assertThat(px.events("connect", port)).singleElement().satisfies(e -> {
            assertThat(e.mode()).isEqualTo("tunnel");
            assertThat(e.bytesIn()).isPositive();
            assertThat(e.bytesOut()).isPositive();
        });
    }

    @Test
    void tunnelToPrivateAddressBlockedBeforeEstablishing() throws Exception {
        // refused before any byte is relayed; answered inside the tunnel (TLS with a Keyway leaf) so the client shows it
        try (Raw raw = new Raw(px.port())) {
            Raw.Response ok = raw.send("CONNECT private.test:1 HTTP/1.1\r\n" + AUTH + "\r\n").read();
            assertThat(ok.status()).isEqualTo(200);
            raw.tls(px.clientTrust.sslContext(), "private.test", true);
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: private.test:1\r\n\r\n").read();
            assertProblem(r, 403, "private-address-blocked");
            assertThat(r.body()).contains("10.1.2.3 is private (10.0.0.0/8)");
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertThat(px.events("denied", 1)).singleElement()
                .satisfies(e -> assertThat(e.errorType()).isEqualTo("private-address-blocked"));
        assertThat(px.events("connect", 1)).isEmpty();
    }

    @Test
    void tunnelToClosedPortIsUnreachable() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (Raw raw = new Raw(px.port())) {
            Raw.Response ok = raw.send("CONNECT tunnel.test:" + closed + " HTTP/1.1\r\n" + AUTH + "\r\n").read();
            assertThat(ok.status()).isEqualTo(200);
            // a client speaking plaintext HTTP in the tunnel gets the answer in plaintext
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: tunnel.test\r\n\r\n").read();
            assertProblem(r, 502, "upstream-unreachable");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void slowHeadersGet408() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            raw.send("CONNECT api.test:443 HTTP/1.1\r\nHost: api"); // never finishes the head
            Raw.Response r = raw.read(); // the fixture's header timeout is 2 s
            assertProblem(r, 408, "request-timeout");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void unknownHostIsDnsFailure() throws Exception {
        px.interceptUnmatched = true;
        try (Raw raw = new Raw(px.port())) {
            Raw.Response r = raw.send("GET http://nowhere.invalid/ HTTP/1.1\r\n" + AUTH + "\r\n").read();
            assertProblem(r, 502, "dns-failed");
        }
    }

    @ParameterizedTest(name = "credentials={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void healthSentinelIsAnsweredByTheProxyItself(boolean credentials) throws Exception {
        var r = Proc.run(java.util.List.of(Proc.require("curl"), "-sS", "-i", "--proxy",
                credentials ? px.proxyUrl() : px.proxyUrlNoCreds(), "http://healthz.keyway.invalid/healthz"),
                java.util.Map.of(), px.dir, 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("HTTP/1.1 200").contains("content-type: application/json")
                .endsWith("\r\n\r\n{\"status\":\"ok\"}");
        assertThat(px.events).isEmpty(); // not audited
        assertThat(px.decisions).isEmpty();
    }

    @Test
    void healthSentinelKeepsTheConnectionAndKnowsOnlyOnePath() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            for (int i = 0; i < 2; i++) {
                Raw.Response ok = raw.send("GET http://healthz.keyway.invalid/healthz HTTP/1.1\r\n"
                        + "Host: healthz.keyway.invalid\r\n\r\n").read();
                assertThat(ok.status()).isEqualTo(200);
                assertThat(ok.body()).isEqualTo("{\"status\":\"ok\"}");
                assertThat(ok.header("Cache-Control")).isEqualTo("no-store");
            }
            Raw.Response other = raw.send("POST http://healthz.keyway.invalid/other HTTP/1.1\r\n"
                    + "Host: healthz.keyway.invalid\r\nContent-Length: 3\r\n\r\nabc").read();
            assertProblem(other, 404, "not-found");
            assertThat(other.body()).contains("GET http://healthz.keyway.invalid/healthz");
            // the discarded body did not desynchronise the connection
            assertThat(raw.send("GET http://healthz.keyway.invalid/healthz HTTP/1.1\r\n\r\n").read().status())
                    .isEqualTo(200);
        }
        assertThat(px.events).isEmpty();
    }
}
