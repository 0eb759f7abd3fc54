package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --upstream-proxy}: every upstream connection is a CONNECT through the operator's proxy. */
class UpstreamProxyTest {
    static final ConnectProxy corporate = new ConnectProxy();

    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture(
            b -> b.upstreamProxy(URI.create("http://corp:corp-pass@127.0.0.1:" + corporate.port())));

    private static final String AUTH = "Proxy-Authorization: " + Raw.basic("t0k:v") + "\r\n";
    private static final String CORP_AUTH =
            "Basic " + Base64.getEncoder().encodeToString("corp:corp-pass".getBytes(StandardCharsets.UTF_8));

    @BeforeEach
    void reset() {
        corporate.connects.clear();
        corporate.refuse = false;
    }

    @AfterAll
    static void stop() throws Exception {
        corporate.close();
    }

    @Test
    void interceptedRequestGoesThroughTheUpstreamProxyByName() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("via corp").build());
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET /x HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.body()).isEqualTo("via corp");
        }
        assertThat(up.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("Authorization"))
                .isEqualTo("Bearer " + ProxyFixture.SECRET);
        assertThat(corporate.connects).singleElement().satisfies(c -> {
            assertThat(c.target()).isEqualTo("api.test:" + up.getPort());
            assertThat(c.proxyAuthorization()).isEqualTo(CORP_AUTH);
        });
    }

    @Test
    void plainHttpGoesThroughTheUpstreamProxy() throws Exception {
        try (MockWebServer up = new MockWebServer(); Raw raw = new Raw(px.port())) {
            up.start(InetAddress.getByName("127.0.0.1"), 0);
            up.enqueue(new MockResponse.Builder().body("plain via corp").build());
            Raw.Response r = raw.send("GET http://plain.test:" + up.getPort() + "/p HTTP/1.1\r\nHost: plain.test\r\n" + AUTH
                    + "\r\n").read();
            assertThat(r.body()).isEqualTo("plain via corp");
        }
        assertThat(corporate.targets()).singleElement().asString().startsWith("plain.test:");
    }

    @Test
    void blindTunnelGoesThroughTheUpstreamProxy() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("tunnelled via corp").build());
        try (Raw raw = new Raw(px.port())) {
            assertThat(raw.send("CONNECT tunnel.test:" + up.getPort() + " HTTP/1.1\r\n" + AUTH + "\r\n").read().status())
                    .isEqualTo(200);
            raw.tls(new okhttp3.tls.HandshakeCertificates.Builder().addTrustedCertificate(px.upstreamCa.certificate())
                    .build().sslContext(), "tunnel.test", true);
            X509Certificate cert = (X509Certificate) raw.sslSocket().getSession().getPeerCertificates()[0];
            assertThat(cert.getIssuerX500Principal().getName()).contains("Upstream Test CA");
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: tunnel.test\r\n\r\n").read().body()).isEqualTo("tunnelled via corp");
        }
        assertThat(corporate.targets()).containsExactly("tunnel.test:" + up.getPort());
    }

    @Test
    void upstreamTlsIsStillVerifiedAgainstTheTargetName() throws Exception {
        // the corporate proxy connects to the same server, whose certificate does not name nocert.test
        px.interceptUnmatched = true;
        MockWebServer up = px.httpsUpstream(false);
        String host = ProxyFixture.NOT_IN_CERTIFICATE;
        try (Raw raw = px.intercepted(host, up.getPort(), host)) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: " + host + ":" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Keyway-Error")).isEqualTo("upstream-tls-failed");
        }
        assertThat(corporate.targets()).containsExactly(host + ":" + up.getPort());
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void refusedConnectIs502NamingTheUpstreamProxy() throws Exception {
        corporate.refuse = true;
        MockWebServer up = px.httpsUpstream(false);
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: api.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Keyway-Error")).isEqualTo("upstream-unreachable");
            assertThat(r.body()).contains("upstream proxy 127.0.0.1:" + corporate.port())
                    .contains("api.test:" + up.getPort()).contains("403")
                    .doesNotContain("corp-pass");
        }
        try (Raw raw = new Raw(px.port())) {
            Raw.Response ok = raw.send("CONNECT tunnel.test:" + up.getPort() + " HTTP/1.1\r\n" + AUTH + "\r\n").read();
            assertThat(ok.status()).isEqualTo(200); // the refusal is answered inside the tunnel
            raw.tls(px.clientTrust.sslContext(), "tunnel.test", true);
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: tunnel.test:" + up.getPort() + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Keyway-Error")).isEqualTo("upstream-unreachable");
            assertThat(r.body()).contains("upstream proxy 127.0.0.1:" + corporate.port());
        }
        assertThat(up.getRequestCount()).isZero();
    }

    @Test
    void blockedAddressIsRefusedBeforeAskingTheUpstreamProxy() throws Exception {
        try (Raw raw = px.intercepted("private.test", 443, "private.test")) {
            Raw.Response r = raw.send("GET / HTTP/1.1\r\nHost: private.test\r\n\r\n").read();
            assertThat(r.header("Keyway-Error")).isEqualTo("private-address-blocked");
        }
        assertThat(corporate.connects).isEmpty();
    }
}
