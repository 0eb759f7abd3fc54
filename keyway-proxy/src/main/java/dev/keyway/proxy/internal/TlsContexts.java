package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.LeafCertificateSource;
import dev.keyway.proxy.spi.LeafCertificateSource.Leaf;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The TLS contexts the engine uses: per-host server contexts presenting Keyway leaves to clients
 * (built once per leaf and cached), and client contexts for upstream connections (TLS 1.2+,
 * hostname verification, ALPN offering either {@code http/1.1} or {@code h2, http/1.1}).
 */
public final class TlsContexts {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final LeafCertificateSource leaves;
    private final SslProvider provider;
    private final ConcurrentHashMap<String, ServerEntry> serverContexts = new ConcurrentHashMap<>();
    private final SslContext upstreamH1;
    private final SslContext upstreamH2;

    private record ServerEntry(Leaf leaf, SslContext context) {}

    public TlsContexts(LeafCertificateSource leaves, @Nullable X509TrustManager upstreamTrust) {
        this.leaves = leaves;
        this.provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        try {
            this.upstreamH1 = client(upstreamTrust, ApplicationProtocolNames.HTTP_1_1);
            this.upstreamH2 = client(upstreamTrust, ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build upstream TLS context", e);
        }
    }

    private SslContext client(@Nullable X509TrustManager trust, String... alpn) throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(PROTOCOLS)
                .trustManager(trust)
                .endpointIdentificationAlgorithm("HTTPS")
                .applicationProtocolConfig(alpn(alpn))
                .build();
    }

    private static ApplicationProtocolConfig alpn(String... protocols) {
        return new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                protocols);
    }

    /** Upstream client context; {@code offerH2} adds {@code h2} before {@code http/1.1} in ALPN. */
    public SslContext upstream(boolean offerH2) {
        return offerH2 ? upstreamH2 : upstreamH1;
    }

    /**
     * The server context presenting the leaf for {@code host}. The leaf source owns caching and
     * renewal; a context is rebuilt only when it hands out a different leaf.
     */
    public CompletableFuture<SslContext> serverFor(String host) {
        return leaves.leafFor(host).thenApply(leaf -> {
            ServerEntry cached = serverContexts.get(host);
            if (cached != null && cached.leaf() == leaf) {
                return cached.context();
            }
            SslContext ctx = buildServer(leaf);
            serverContexts.put(host, new ServerEntry(leaf, ctx));
            return ctx;
        });
    }

    private SslContext buildServer(Leaf leaf) {
        try {
            return SslContextBuilder.forServer(leaf.key(), leaf.chain().toArray(new X509Certificate[0]))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(alpn(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build TLS context for leaf", e);
        }
    }
}
