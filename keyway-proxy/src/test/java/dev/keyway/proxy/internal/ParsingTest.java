package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Table-driven checks of the pure parsing and header-hygiene helpers. */
class ParsingTest {

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
        "api.test:443,      api.test,     443",
        "API.Test.:8443,    api.test,     8443",
        "api.test,          api.test,     443",
        "[::1]:9000,        ::1,          9000",
        "10.0.0.1:80,       10.0.0.1,     80",
        "api.test:0,        NULL,         0",
        "api.test:99999,    NULL,         0",
        "api.test:x,        NULL,         0",
        "::1:443,           NULL,         0",
        "a b:443,           NULL,         0",
        "user@api.test:443, NULL,         0",
        "[::1,              NULL,         0",
        "az-AZ_09.test:443, az-az_09.test, 443",
        "a.test:1,          a.test,       1",
        "a.test:65535,      a.test,       65535",
        "a.test:,           NULL,         0",
        "a.test:000443,     NULL,         0",
        "a`.test,           NULL,         0",
        "a{.test,           NULL,         0",
        "a@.test,           NULL,         0",
        "a[.test,           NULL,         0",
        "a/.test,           NULL,         0",
        "'a:.test',         NULL,         0",
        ".a.test,           NULL,         0",
        "a..test,           NULL,         0",
        "'',                NULL,         0",
        "[fe80::1%eth0]:443, NULL,        0",
        "[::ffff:1.2.3.4]:443, NULL,      0",
        "[:::]:443,         NULL,         0",
        "[1.2.3.4]:443,     NULL,         0",
        "[::1]x,            NULL,         0",
        "[::1]:,            NULL,         0",
    })
    void authorityForm(String value, String host, int port) {
        Authority a = Authority.parse(value, 443);
        if (host == null) {
            assertThat(a).isNull();
        } else {
            assertThat(a).isEqualTo(new Authority(host, port));
        }
    }

    @ParameterizedTest
    @CsvSource({
        "api.test,         true",
        "api.test:443,     true",
        "API.TEST:443,     true",
        "api.test:8443,    false",
        "other.test,       false",
        "api.test.evil,    false",
    })
    void hostHeaderMatchesTunnelTarget(String header, boolean matches) {
        assertThat(new Authority("api.test", 443).matchesHostHeader(header, 443)).isEqualTo(matches);
    }

    @ParameterizedTest
    @CsvSource({
        "api.test,  443,  443, api.test",
        "api.test,  8443, 443, api.test:8443",
        "::1,       443,  443, [::1]",
        "::1,       8080, 443, [::1]:8080",
    })
    void hostHeaderAndToStringBracketIpv6AndOmitTheDefaultPort(String host, int port, int defaultPort, String text) {
        Authority a = new Authority(host, port);
        assertThat(a.hostHeader(defaultPort)).isEqualTo(text);
        assertThat(a.toString()).isEqualTo(host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port);
    }

    @ParameterizedTest
    @CsvSource({"API.Test., api.test", "api.test, api.test", "'.', '.'", "A, a"})
    void normaliseLowerCasesAndDropsOneTrailingDotButNeverEmptiesTheHost(String host, String normalised) {
        assertThat(Authority.normalise(host)).isEqualTo(normalised);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
        "http://plain.test/p?x=1,      http,  plain.test:80,   /p?x=1",
        "http://plain.test:8080,       http,  plain.test:8080, /",
        "HTTP://Plain.Test?q,          http,  plain.test:80,   /?q",
        "https://api.test/x#frag,      https, api.test:443,    /x",
        "http://u:p@plain.test/,       NULL,  NULL,            NULL",
        "ftp://plain.test/,            NULL,  NULL,            NULL",
        "http:///nohost,               NULL,  NULL,            NULL",
    })
    void absoluteForm(String uri, String scheme, String authority, String path) {
        AbsoluteUrl u = AbsoluteUrl.parse(uri);
        if (scheme == null) {
            assertThat(u).isNull();
            return;
        }
        assertThat(u.scheme()).isEqualTo(scheme);
        assertThat(u.authority().host() + ":" + u.authority().port()).isEqualTo(authority);
        assertThat(u.pathAndQuery()).isEqualTo(path);
    }

    @ParameterizedTest
    @CsvSource({
        "/v1/chat?key=secret, /v1/chat",
        "/a#b?c,              /a",
        "/,                   /",
    })
    void auditPathsLoseQueryStrings(String in, String out) {
        assertThat(AuditEvents.path(in)).isEqualTo(out);
        assertThat(AuditEvents.path("/" + "a".repeat(1000))).hasSize(AuditEvents.MAX_PATH);
    }

    @org.junit.jupiter.api.Test
    void hopByHopHeadersAreStripped() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "keep-alive, X-Secret-Hop")
                .add("X-Secret-Hop", "1")
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Authorization", "Basic abc")
                .add("Proxy-Connection", "keep-alive")
                .add("TE", "trailers, deflate")
                .add("Upgrade", "h2c")
                .add("Transfer-Encoding", "chunked")
                .add("x-http2-stream-id", "3")
                .add("Authorization", "Bearer kept")
                .add("Accept", "*/*");
        HopByHop.strip(h, false);
        assertThat(h.names()).containsExactlyInAnyOrder("Authorization", "Accept", "te");
        assertThat(h.get("TE")).isEqualTo("trailers");
    }

    @org.junit.jupiter.api.Test
    void hopByHopNamesMatchInAnyCaseAndTheRestKeepsItsOrder() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Accept", "*/*")
                .add("CONNECTION", "close")
                .add("connection", "X-Custom-HOP ,,Bogus")
                .add("x-custom-hop", "1")
                .add("KEEP-ALIVE", "timeout=5")
                .add("proxy-AUTHORIZATION", "Basic abc")
                .add("X-HTTP2-Scheme", "https")
                .add("Upgrade", "websocket")
                .add("Authorization", "Bearer kept")
                .add("Proxy", "kept") // not a Proxy-* field
                .add("Keyway-Error", "forged");
        HopByHop.strip(h, true);
        assertThat(h.names()).containsExactly("Accept", "Authorization", "Proxy", "Keyway-Error", "upgrade");
        assertThat(h.get("Upgrade")).isEqualTo("websocket");
        HopByHop.stripKeyway(h);
        assertThat(h.names()).containsExactly("Accept", "Authorization", "Proxy", "upgrade");
        HttpHeaders clean = new DefaultHttpHeaders().add("Accept", "*/*").add("Content-Length", "2");
        HopByHop.strip(clean, false);
        HopByHop.stripKeyway(clean);
        assertThat(clean.names()).containsExactly("Accept", "Content-Length");
    }
}
