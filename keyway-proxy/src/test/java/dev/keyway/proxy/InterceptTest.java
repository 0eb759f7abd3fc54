package dev.keyway.proxy;

import static dev.keyway.proxy.ProxyFixture.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.Authenticator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Intercepted HTTPS and plain http forwarding with real clients, injection, audit and error mapping. */
class InterceptTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private static void assertInjected(RecordedRequest req) {
        assertThat(req.getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET);
        assertThat(req.getHeaders().get("Proxy-Authorization")).isNull();
    }

    @Test
    void curlHttp1() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("hello from api").build());
        var r = Proc.run(List.of(Proc.require("curl"), "-sS", "--proxy", px.proxyUrl(), "--cacert", px.caPem.toString(),
                "-H", "Authorization: Bearer placeholder", "https://api.test:" + up.getPort() + "/x?q=secret"),
                Map.of(), px.dir, 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("hello from api");
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertInjected(req);
        assertThat(req.getTarget()).isEqualTo("/x?q=secret");
        assertThat(req.getHeaders().get("Host")).isEqualTo("api.test:" + up.getPort());
        ProxyFixture.eventually(() -> !px.events("request").isEmpty());
        var e = px.events("request").getFirst();
        assertThat(e.path()).isEqualTo("/x");
        assertThat(e.injected()).isTrue();
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.service()).isEqualTo("svc-api.test");
        assertThat(px.decisions).hasSize(1);
        assertThat(px.events.toString()).doesNotContain(SECRET).doesNotContain("q=secret");
    }

    @Test
    void curlHttp2EndToEnd() throws Exception {
        MockWebServer up = px.httpsUpstream(true);
        up.enqueue(new MockResponse.Builder().body("h2 body").build());
        var r = Proc.run(List.of(Proc.require("curl"), "-sS", "--http2", "-w", "\n%{http_version}", "--proxy",
                px.proxyUrl(), "--cacert", px.caPem.toString(), "https://api.test:" + up.getPort() + "/two"),
                Map.of(), px.dir, 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("h2 body\n2");
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertInjected(req);
        assertThat(req.getVersion()).isEqualTo("HTTP/2");
    }

    @Test
    void pythonRequests() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("py ok").build());
        Path script = px.dir.resolve("req.py");
        Files.writeString(script, """
                import sys, requests
                r = requests.get(sys.argv[1], proxies={"https": sys.argv[2]}, verify=sys.argv[3])
                print(r.status_code)
                print(r.text)
                """);
        var r = Proc.run(List.of(Proc.pythonWithRequests(), script.toString(), "https://api.test:" + up.getPort() + "/py",
                px.proxyUrl(), px.caPem.toString()), Map.of(), px.dir, 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("200\npy ok\n");
        assertInjected(up.takeRequest(5, TimeUnit.SECONDS));
    }

    @Test
    void nodeTlsOverConnect() throws Exception {
        // Node 20 ignores HTTPS_PROXY (NODE_USE_ENV_PROXY needs Node >= 22.21/24): a real Node TLS
        // client over a hand-made CONNECT tunnel instead.
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("node ok").build());
        Path script = px.dir.resolve("req.js");
        Files.writeString(script, """
                const http = require('http'), https = require('https'), tls = require('tls'), fs = require('fs');
                const [proxyPort, host, port, caFile] = process.argv.slice(2);
                const ca = fs.readFileSync(caFile);
                const req = http.request({host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: host + ':' + port,
                  headers: {'Proxy-Authorization': 'Basic ' + Buffer.from('t0k:v').toString('base64')}});
                req.on('connect', (res, socket) => {
                  if (res.statusCode !== 200) { console.error('CONNECT ' + res.statusCode); process.exit(2); }
                  const r = https.request({host, port, path: '/node',
                    createConnection: () => tls.connect({socket, servername: host, ca})}, (resp) => {
                      let body = '';
                      resp.on('data', d => body += d);
                      resp.on('end', () => { console.log(resp.statusCode + ' ' + body); process.exit(0); });
                    });
                  r.on('error', e => { console.error(e); process.exit(3); });
                  r.end();
                });
                req.on('error', e => { console.error(e); process.exit(4); });
                req.end();
                """);
        var r = Proc.run(List.of(Proc.require("node"), script.toString(), String.valueOf(px.port()), "api.test",
                String.valueOf(up.getPort()), px.caPem.toString()), Map.of(), px.dir, 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().trim()).isEqualTo("200 node ok");
        assertInjected(up.takeRequest(5, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @EnumSource(value = HttpClient.Version.class)
    void jdkHttpClient(HttpClient.Version version) throws Exception {
        MockWebServer up = px.httpsUpstream(version == HttpClient.Version.HTTP_2);
        up.enqueue(new MockResponse.Builder().body("jdk ok").build());
        up.enqueue(new MockResponse.Builder().body("jdk ok 2").build());
        // The JDK first connects without credentials, gets 407 + Proxy-Authenticate, then retries with
        // the Authenticator's credentials (Basic for tunnels needs jdk.http.auth.tunneling.disabledSchemes="").
        try (HttpClient c = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", px.port())))
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return getRequestorType() == RequestorType.PROXY
                                ? new PasswordAuthentication("t0k", "v".toCharArray())
                                : null;
                    }
                })
                .sslContext(px.clientTrust.sslContext())
                .version(version)
                .build()) {
            URI uri = URI.create("https://api.test:" + up.getPort() + "/jdk");
            HttpResponse<String> resp = c.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.body()).isEqualTo("jdk ok");
            assertThat(resp.version()).isEqualTo(version);
            HttpResponse<String> again = c.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("x=1"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(again.body()).isEqualTo("jdk ok 2");
        }
        assertInjected(up.takeRequest(5, TimeUnit.SECONDS));
        RecordedRequest post = up.takeRequest(5, TimeUnit.SECONDS);
        assertInjected(post);
        assertThat(post.getBody().utf8()).isEqualTo("x=1");
    }

    @Test
    void plainHttpAbsoluteFormNeverForwardsProxyAuthorization() throws Exception {
        try (MockWebServer up = new MockWebServer()) {
            up.start(InetAddress.getByName("127.0.0.1"), 0);
            up.enqueue(new MockResponse.Builder().body("plain").build());
            var r = Proc.run(List.of(Proc.require("curl"), "-sS", "--proxy", px.proxyUrl(),
                    "http://plain.test:" + up.getPort() + "/p?x=1"), Map.of(), px.dir, 30);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("plain");
            RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
            assertInjected(req);
            assertThat(req.getTarget()).isEqualTo("/p?x=1");
            assertThat(req.getHeaders().get("Host")).isEqualTo("plain.test:" + up.getPort());
        }
    }

    @Test
    void proxyAuthorizationInsideTunnelIsStripped() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET /in HTTP/1.1\r\nHost: api.test:" + up.getPort()
                    + "\r\nProxy-Authorization: Basic dDBrOnY=\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n"
                    + "Keep-Alive: 5\r\nTE: gzip\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
        }
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        assertInjected(req);
        assertThat(req.getHeaders().get("X-Drop")).isNull();
        assertThat(req.getHeaders().get("Keep-Alive")).isNull();
        assertThat(req.getHeaders().get("TE")).isNull();
    }

    @Test
    void hostHeaderMismatchIsForbidden() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: other.test\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Keyway-Error")).isEqualTo("host-mismatch");
            // the connection stays usable
            up.enqueue(new MockResponse.Builder().body("fine").build());
            Raw.Response ok = raw.send("GET / HTTP/1.1\r\nHost: API.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(ok.body()).isEqualTo("fine");
        }
        assertThat(up.getRequestCount()).isEqualTo(1);
        assertThat(px.events("denied")).anySatisfy(e -> assertThat(e.errorType()).isEqualTo("host-mismatch"));
    }

    @Test
    void sniMismatchIsForbidden() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        try (Raw raw = px.intercepted("api.test", up.getPort(), "other.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Keyway-Error")).isEqualTo("host-mismatch");
            assertThat(r.body()).contains("other.test");
        }
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void policyDenyKeepsConnection() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("after").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("POST /forbidden HTTP/1.1\r\nHost: api.test:" + up.getPort()
                    + "\r\nContent-Length: 5\r\n\r\nhello").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Keyway-Error")).isEqualTo("service-rule-denied");
            assertThat(raw.send("GET /ok HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read().body())
                    .isEqualTo("after");
        }
        assertThat(up.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/ok");
    }

    @Test
    void revokedTokenClosesTunnel() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            px.tokenActive = false;
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(407);
            assertThat(r.header("Keyway-Error")).isEqualTo("proxy-auth-invalid");
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void auditFailureMeansNothingForwarded() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("must not happen").build());
        px.failAuditDecisions = true;
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("POST /x HTTP/1.1\r\nHost: api.test:" + up.getPort()
                    + "\r\nContent-Length: 3\r\n\r\nabc").read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Keyway-Error")).isEqualTo("audit-unavailable");
        }
        assertThat(up.takeRequest(500, TimeUnit.MILLISECONDS)).isNull();
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void privateAddressBlockedInsideInterceptedTunnel() throws Exception {
        try (Raw raw = px.intercepted("private.test", 443, "private.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: private.test\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Keyway-Error")).isEqualTo("private-address-blocked");
            assertThat(r.body()).contains("10.1.2.3");
        }
    }

    @Test
    void upstreamDownIsUnreachable() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (Raw raw = px.intercepted("down.test", closed, "down.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: down.test:" + closed + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Keyway-Error")).isEqualTo("upstream-unreachable");
        }
    }

    @Test
    void untrustedUpstreamCertificateFailsTls() throws Exception {
        HeldCertificate selfSigned = new HeldCertificate.Builder().commonName("untrusted.test")
                .addSubjectAlternativeName("untrusted.test").ecdsa256().build();
        try (MockWebServer up = new MockWebServer()) {
            up.useHttps(new HandshakeCertificates.Builder().heldCertificate(selfSigned).build().sslSocketFactory());
            up.start(InetAddress.getByName("127.0.0.1"), 0);
            try (Raw raw = px.intercepted("untrusted.test", up.getPort(), "untrusted.test")) {
                Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: untrusted.test:" + up.getPort() + "\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(502);
                assertThat(r.header("Keyway-Error")).isEqualTo("upstream-tls-failed");
                assertThat(r.body()).contains("untrusted.test").contains("--upstream-ca");
            }
            assertThat(up.getRequestCount()).isZero();
        }
    }

    @Test
    void slowUpstreamTimesOut() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().headersDelay(8, TimeUnit.SECONDS).body("late").build());
        try (Raw raw = px.intercepted("slow.test", up.getPort(), "slow.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: slow.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("Keyway-Error")).isEqualTo("upstream-timeout");
        }
    }

    @Test
    void keepAliveConnectionsArePooled() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        for (int i = 0; i < 3; i++) {
            up.enqueue(new MockResponse.Builder().body("r" + i).build());
        }
        for (int i = 0; i < 3; i++) {
            try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
                assertThat(raw.send("GET /" + i + " HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read().body())
                        .isEqualTo("r" + i);
            }
        }
        // pools are per event loop (2 in the fixture): three requests use at most two connections
        java.util.Set<Integer> connections = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            connections.add(up.takeRequest().getConnectionIndex());
        }
        assertThat(connections).hasSizeLessThanOrEqualTo(2);
    }
}
