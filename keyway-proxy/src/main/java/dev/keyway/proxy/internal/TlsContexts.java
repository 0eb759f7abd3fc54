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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The TLS contexts the engine uses: per-host server contexts presenting Keyway leaves to clients
 * (built once per leaf and cached in a bounded LRU, {@value #DEFAULT_MAX_SERVER_CONTEXTS} hosts by
 * default, the leaf cache's size: a client naming ever new hosts cannot grow it without bound), and
 * client contexts for upstream connections (TLS 1.2+, hostname verification, ALPN offering either
 * {@code http/1.1} or {@code h2, http/1.1}).
 */
public final class TlsContexts {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** Hosts whose server context is kept; the least recently used is dropped first. */
    public static final int DEFAULT_MAX_SERVER_CONTEXTS = 1024;

    private final LeafCertificateSource leaves;
    private final SslProvider provider;
    /** Access-ordered LRU; guarded by itself (lookups and inserts only, never a context build). */
    private final LinkedHashMap<String, ServerEntry> serverContexts;
    private final SslContext upstreamH1;
    private final SslContext upstreamH2;

    private record ServerEntry(Leaf leaf, SslContext context) {}

    public TlsContexts(LeafCertificateSource leaves, @Nullable X509TrustManager upstreamTrust) {
        this(leaves, upstreamTrust, DEFAULT_MAX_SERVER_CONTEXTS);
    }

    /** @param maxServerContexts hosts whose server context is kept, at least 1 */
    public TlsContexts(LeafCertificateSource leaves, @Nullable X509TrustManager upstreamTrust, int maxServerContexts) {
        if (maxServerContexts < 1) {
            throw new IllegalArgumentException("invalid maxServerContexts: " + maxServerContexts);
        }
        this.serverContexts = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ServerEntry> eldest) {
                return size() > maxServerContexts;
            }
        };
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
            ServerEntry cached;
            synchronized (serverContexts) {
                cached = serverContexts.get(host);
            }
            if (cached != null && cached.leaf() == leaf) {
                return cached.context();
            }
            SslContext ctx = buildServer(leaf);
            synchronized (serverContexts) {
                serverContexts.put(host, new ServerEntry(leaf, ctx));
            }
            return ctx;
        });
    }

    /** How many hosts have a cached server context (tests, diagnostics). */
    int serverContextCount() {
        synchronized (serverContexts) {
            return serverContexts.size();
        }
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
