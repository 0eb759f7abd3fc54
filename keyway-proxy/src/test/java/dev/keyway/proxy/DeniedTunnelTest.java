package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.proxy.spi.ProxyAuditEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refusals that clients show. A denied CONNECT is accepted, intercepted and its first request
 * answered with the problem (clients print a response's body, never a refused CONNECT's), with
 * nothing forwarded; a 407 carries its hint in the status line, which is what clients print.
 * Real clients: curl (HTTP/1.1 and h2) and Python requests.
 */
class DeniedTunnelTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    /** The fixture's policy denies other.test (resolves to 127.0.0.1) with this detail. */
    private static final String DETAIL = "other.test is not a configured service; propose access with `keyway propose`";

    private List<ProxyAuditEvent> deniedFor(int port) {
        return px.events("denied", port);
    }

    @Test
    void curlPrintsTheProblemOfADeniedHostAndNothingIsForwarded() throws Exception {
        MockWebServer up = px.httpsUpstream(false); // would answer if anything were forwarded to other.test
        var r = Proc.run(List.of(Proc.require("curl"), "-sS", "-i", "--http1.1", "--proxy", px.proxyUrl(), "--cacert",
                px.caPem.toString(), "-H", "Authorization: Bearer placeholder", "https://other.test:" + up.getPort() + "/v1/x"),
                Map.of(), px.dir, 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("HTTP/1.1 403 ").containsIgnoringCase("keyway-error: unmatched-host-denied")
                .containsIgnoringCase("content-type: application/problem+json").contains(DETAIL.replace("`", "`"));
        assertThat(r.err()).doesNotContain("CONNECT tunnel failed");
        assertThat(up.getRequestCount()).isZero();
        ProxyFixture.eventually(() -> !deniedFor(up.getPort()).isEmpty());
        assertThat(deniedFor(up.getPort())).singleElement().satisfies(e -> {
            assertThat(e.method()).isEqualTo("CONNECT");
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.errorType()).isEqualTo("unmatched-host-denied");
            assertThat(e.tokenId()).isEqualTo(ProxyFixture.PRINCIPAL.tokenId());
        });
        assertThat(px.events("connect", up.getPort())).isEmpty(); // no tunnel record: nothing was relayed
        assertThat(px.decisions).isEmpty();
    }

    @Test
    void curlOverHttp2PrintsTheProblem() throws Exception {
        MockWebServer up = px.httpsUpstream(true);
        var r = Proc.run(List.of(Proc.require("curl"), "-sS", "--http2", "-w", "\n%{http_version} %{http_code}",
                "--proxy", px.proxyUrl(), "--cacert", px.caPem.toString(), "https://other.test:" + up.getPort() + "/"),
                Map.of(), px.dir, 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("\"detail\":\"" + DETAIL + "\"").contains("\"type\":").endsWith("\n2 403");
        assertThat(up.getRequestCount()).isZero();
        ProxyFixture.eventually(() -> !deniedFor(up.getPort()).isEmpty());
        assertThat(deniedFor(up.getPort())).hasSize(1);
    }

    @Test
    void pythonRequestsShowsTheProblem() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        Path script = px.dir.resolve("denied.py");
        Files.writeString(script, """
                import sys, requests
                r = requests.post(sys.argv[1], json={"q": 1}, proxies={"https": sys.argv[2]}, verify=sys.argv[3])
                print(r.status_code, r.headers.get("Keyway-Error"))
                print(r.json()["detail"])
                """);
        var r = Proc.run(List.of(Proc.pythonWithRequests(), script.toString(), "https://other.test:" + up.getPort() + "/p",
                px.proxyUrl(), px.caPem.toString()), Map.of(), px.dir, 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("403 unmatched-host-denied\n" + DETAIL + "\n");
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void curlShowsThe407HintWhereItPrintsTheStatusLine() throws Exception {
        // curl 7.88/8.x prints only "CONNECT tunnel failed, response 407"; -v shows the status line
        var r = Proc.run(List.of(Proc.require("curl"), "-sS", "-v", "--proxy", px.proxyUrlNoCreds(), "--cacert",
                px.caPem.toString(), "https://api.test:1/"), Map.of(), px.dir, 30);
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("< HTTP/1.1 407 Keyway token required: set HTTPS_PROXY=http://TOKEN:VAULT@host:port")
                .contains("CONNECT tunnel failed, response 407");
    }

    @Test
    void pythonRequestsShowsThe407Hint() throws Exception {
        Path script = px.dir.resolve("auth.py");
        Files.writeString(script, """
                import sys, requests
                try:
                    requests.get(sys.argv[1], proxies={"https": sys.argv[2]}, verify=sys.argv[3])
                except requests.exceptions.ProxyError as e:
                    print(e)
                """);
        var r = Proc.run(List.of(Proc.pythonWithRequests(), script.toString(), "https://api.test:1/",
                "http://wrong:" + ProxyFixture.VAULT + "@127.0.0.1:" + px.port(), px.caPem.toString()), Map.of(), px.dir, 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("407 Keyway token unknown: check the token in HTTPS_PROXY").doesNotContain("wrong:");
    }

    @Test
    void aTunnelThatNeverSendsARequestIsClosed() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            Raw.Response ok = raw.send("CONNECT other.test:9 HTTP/1.1\r\nProxy-Authorization: "
                    + Raw.basic(ProxyFixture.TOKEN + ":" + ProxyFixture.VAULT) + "\r\n\r\n").readHead();
            assertThat(ok.status()).isEqualTo(200);
            // no ClientHello: the TLS handshake timeout (the header read timeout) closes the connection
            assertThat(raw.closedByPeer()).isTrue();
        }
    }
}
