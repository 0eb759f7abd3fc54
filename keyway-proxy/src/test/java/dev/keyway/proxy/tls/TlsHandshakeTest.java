package dev.keyway.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keyway.proxy.spi.LeafCertificateSource.Leaf;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AsyncMapping;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real TLS handshakes: a Netty server (JDK or BoringSSL provider) presents a minted leaf and a JDK
 * client that trusts only the Keyway CA connects with HTTPS hostname verification on. Each
 * connection uses a fresh client SSLContext so no session is resumed across server names.
 */
class TlsHandshakeTest {
    private final CertificateAuthority ca = CertificateAuthority.generate("tls-test", Clock.systemUTC());
    private final LeafMinter minter = new LeafMinter(ca, Clock.systemUTC());

    static Stream<SslProvider> providers() {
        return Stream.of(SslProvider.JDK, SslProvider.OPENSSL);
    }

    record Exchange(String reply, X509Certificate peer) {}

    @ParameterizedTest
    @MethodSource("providers")
    void dnsLeafVerifiesForItsHostOnly(SslProvider provider) throws Exception {
        try (TlsServer server = serve(provider, minter.mint("api.example.com"))) {
            Exchange ok = exchange(server.port(), "api.example.com", trustOnly(ca));
            assertThat(ok.reply()).isEqualTo("pong");
            assertThat(ok.peer().getSubjectX500Principal().getName()).isEqualTo("CN=api.example.com");

            assertThatThrownBy(() -> exchange(server.port(), "other.example.com", trustOnly(ca)))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("other.example.com");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void ipLeafVerifiesForItsAddressOnly(SslProvider provider) throws Exception {
        try (TlsServer server = serve(provider, minter.mint("127.0.0.1"))) {
            assertThat(exchange(server.port(), "127.0.0.1", trustOnly(ca)).reply()).isEqualTo("pong");
        }
        try (TlsServer server = serve(provider, minter.mint("127.0.0.2"))) {
            assertThatThrownBy(() -> exchange(server.port(), "127.0.0.1", trustOnly(ca)))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("127.0.0.1");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void longNameWithEmptySubjectVerifies(SslProvider provider) throws Exception {
        String host = "a".repeat(60) + ".example.com";
        try (TlsServer server = serve(provider, minter.mint(host))) {
            Exchange ok = exchange(server.port(), host, trustOnly(ca));
            assertThat(ok.reply()).isEqualTo("pong");
            assertThat(ok.peer().getSubjectX500Principal().getName()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void clientNotTrustingTheCaRejectsTheLeaf(SslProvider provider) throws Exception {
        CertificateAuthority stranger = CertificateAuthority.generate("stranger", Clock.systemUTC());
        try (TlsServer server = serve(provider, minter.mint("api.example.com"))) {
            assertThatThrownBy(() -> exchange(server.port(), "api.example.com", trustOnly(stranger)))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void sniHandlerServesEachHostItsOwnCachedLeaf(SslProvider provider) throws Exception {
        assumeAvailable(provider);
        LeafCache cache = new LeafCache(minter);
        AsyncMapping<String, SslContext> mapping = (host, promise) -> {
            cache.leafFor(host).whenComplete((leaf, error) -> {
                if (error != null) {
                    promise.tryFailure(error);
                    return;
                }
                try {
                    promise.trySuccess(serverContext(provider, leaf));
                } catch (SSLException e) {
                    promise.tryFailure(e);
                }
            });
            return promise;
        };
        try (TlsServer server = TlsServer.start(ch -> new SniHandler(mapping))) {
            for (String host : List.of("one.example", "two.example", "one.example")) {
                Exchange ok = exchange(server.port(), host, trustOnly(ca));
                assertThat(ok.reply()).isEqualTo("pong");
                assertThat(ok.peer().getSubjectAlternativeNames()).containsExactly(List.of(2, host));
            }
        }
        assertThat(cache.mints()).isEqualTo(2);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void upstreamTrustWithExtraBundleAcceptsTheServer(SslProvider provider, @TempDir Path dir) throws Exception {
        Path bundle = dir.resolve("extra.pem");
        Files.writeString(bundle, ca.certificatePem());
        try (TlsServer server = serve(provider, minter.mint("internal.example"))) {
            assertThat(exchange(server.port(), "internal.example", UpstreamTrust.create(bundle)).reply())
                    .isEqualTo("pong");
            assertThatThrownBy(() -> exchange(server.port(), "internal.example", UpstreamTrust.create(null)))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    private static TlsServer serve(SslProvider provider, Leaf leaf) throws Exception {
        assumeAvailable(provider);
        SslContext context = serverContext(provider, leaf);
        return TlsServer.start(ch -> context.newHandler(ch.alloc()));
    }

    private static SslContext serverContext(SslProvider provider, Leaf leaf) throws SSLException {
        return SslContextBuilder.forServer(leaf.key(), leaf.chain().toArray(X509Certificate[]::new))
                .sslProvider(provider)
                .build();
    }

    private static void assumeAvailable(SslProvider provider) {
        assumeTrue(provider != SslProvider.OPENSSL || OpenSsl.isAvailable(),
                () -> "OpenSSL unavailable: " + OpenSsl.unavailabilityCause());
    }

    /** Connects to 127.0.0.1:port, presenting {@code host} as SNI and verifying it against the leaf. */
    private static Exchange exchange(int port, String host, X509TrustManager trust) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS"); // fresh per call: no cross-name resumption
        context.init(null, new TrustManager[] {trust}, null);
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), port);
                SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, host, port, true)) {
            socket.setSoTimeout(10_000);
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.startHandshake();
            socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return new Exchange(reply, (X509Certificate) socket.getSession().getPeerCertificates()[0]);
        }
    }

    private static X509TrustManager trustOnly(CertificateAuthority anchor) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("keyway", anchor.certificate());
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        return (X509TrustManager) factory.getTrustManagers()[0];
    }
}
