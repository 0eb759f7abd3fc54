package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request whose chunked body framing is malformed (bad hex size, a size that overflows, a chunk
 * line far beyond the limit) must never reach the upstream as a complete request, least of all with
 * the credential injected: before anything was forwarded the client gets 400 and nothing is sent;
 * once the head went upstream, the upstream connection is cut mid-request.
 */
class MalformedBodyTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    /** The test cases' chunk lines; {@code ext20k} stands for a 20 KB chunk extension. */
    private static String chunkLine(String name) {
        return name.equals("ext20k") ? "5;ext=" + "x".repeat(20_000) : name;
    }

    private static String head(int port) {
        return "POST /upload HTTP/1.1\r\nHost: api.test:" + port + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    }

    private static void assertMalformed(Raw raw) throws Exception {
        Raw.Response r = raw.read();
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(r.header("Keyway-Error")).isEqualTo("malformed-request");
        assertThat(r.body()).doesNotContain(ProxyFixture.SECRET).doesNotContain("Exception");
        assertThat(raw.closedByPeer()).isTrue();
    }

    /**
     * Head and broken chunk in one packet: refused before anything is written upstream. The 20 KB line
     * spans several reads, so its head may already be upstream: then that request is cut off; either
     * way no complete request arrives.
     */
    @ParameterizedTest(name = "chunk line {0}")
    @CsvSource({"zz, true", "ffffffffffffffffffff, true", "ext20k, false"})
    void malformedChunkBeforeForwardingSendsNothingUpstream(String chunkLine, boolean onePacket) throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), SocketUpstream.ok("fine"))) {
            try (Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
                raw.send(head(up.port()) + chunkLine(chunkLine) + "\r\nhello\r\n0\r\n\r\n");
                assertMalformed(raw);
            }
            // a well-formed request afterwards: once it arrived, anything of the first would have too
            try (Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
                raw.send(head(up.port()) + "5\r\nhello\r\n0\r\n\r\n");
                assertThat(raw.read().body()).isEqualTo("fine");
            }
            if (onePacket) {
                assertThat(up.heads).hasSize(1);
            }
            SocketUpstream.Request only = up.requests.poll(5, TimeUnit.SECONDS);
            assertThat(new String(only.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(up.requests).isEmpty();
            ProxyFixture.eventually(() -> px.events("denied").stream()
                    .anyMatch(e -> "malformed-request".equals(e.errorType())));
        }
    }

    @ParameterizedTest(name = "chunk line {0}")
    @ValueSource(strings = {"zz", "ffffffffffffffffffff", "ext20k"})
    void malformedChunkAfterForwardingAbortsTheUpstreamRequest(String chunkLine) throws Exception {
        try (SocketUpstream up = new SocketUpstream(px.upstreamServerCerts.sslContext(), SocketUpstream.ok("fine"));
                Raw raw = px.intercepted("api.test", up.port(), "api.test")) {
            raw.send(head(up.port()) + "5\r\nhello\r\n");
            assertThat(up.heads.poll(10, TimeUnit.SECONDS)).isEqualTo("POST /upload HTTP/1.1");
            raw.send(chunkLine(chunkLine) + "\r\nworld\r\n0\r\n\r\n");
            assertMalformed(raw);
            ProxyFixture.eventually(() -> up.brokenOff.get() == 1);
            assertThat(up.requests).isEmpty();
        }
    }

    @ParameterizedTest(name = "chunk line {0}")
    @CsvSource({"zz, true", "ext20k, false"})
    void malformedChunkOnPlainHttpIsRefusedToo(String chunkLine, boolean onePacket) throws Exception {
        try (SocketUpstream up = new SocketUpstream(null, SocketUpstream.ok("fine"))) {
            String head = "POST http://plain.test:" + up.port() + "/upload HTTP/1.1\r\nHost: plain.test:" + up.port()
                    + "\r\nProxy-Authorization: " + Raw.basic(ProxyFixture.TOKEN + ":" + ProxyFixture.VAULT)
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n";
            try (Raw raw = new Raw(px.port())) {
                raw.send(head + chunkLine(chunkLine) + "\r\nhello\r\n0\r\n\r\n");
                assertMalformed(raw);
            }
            try (Raw raw = new Raw(px.port())) {
                raw.send(head + "5\r\nhello\r\n0\r\n\r\n");
                assertThat(raw.read().body()).isEqualTo("fine");
            }
            if (onePacket) {
                assertThat(up.heads).hasSize(1);
            }
            assertThat(up.requests.poll(5, TimeUnit.SECONDS).body()).asString().isEqualTo("hello");
            assertThat(up.requests).isEmpty();
        }
    }
}
