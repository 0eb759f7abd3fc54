package dev.keyway.server.aws;

import dev.keyway.proxy.tls.UpstreamTrust;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP client for Keyway's own AWS calls: HTTP/1.1 (so the {@code Host} header that was signed
 * is exactly the one sent), TLS trusting the JDK roots plus {@code AWS_CA_BUNDLE} and the server's
 * {@code --upstream-ca}, through the server's {@code --upstream-proxy} if one is set (never the
 * environment's proxy variables, which may point at Keyway itself).
 */
public final class AwsHttp {
    private final HttpClient client;
    private final HttpClient metadata;

    public AwsHttp(AwsEnv env) {
        List<Path> bundles = new ArrayList<>();
        String caBundle = env.get("AWS_CA_BUNDLE");
        if (caBundle != null) {
            bundles.add(Path.of(caBundle));
        }
        if (env.upstreamCa() != null) {
            bundles.add(env.upstreamCa());
        }
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(sslContext(bundles));
        if (env.upstreamProxy() != null) {
            URI p = URI.create(env.upstreamProxy());
            b.proxy(ProxySelector.of(InetSocketAddress.createUnresolved(p.getHost(), p.getPort() < 0 ? 80 : p.getPort())));
        } else {
            b.proxy(ProxySelector.of(null));
        }
        this.client = b.build();
        // Link-local metadata endpoints: never proxied, short timeouts (off EC2/ECS they do not answer).
        this.metadata = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1))
                .proxy(ProxySelector.of(null)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Sends an STS (or other AWS API) request; network failures become {@link AwsFailure.Kind#UNREACHABLE}. */
    public HttpResponse<String> send(HttpRequest request) {
        return send(client, request);
    }

    /** Sends a request to a container or instance metadata endpoint (short timeouts, no proxy). */
    public HttpResponse<String> sendMetadata(HttpRequest request) {
        return send(metadata, request);
    }

    private static HttpResponse<String> send(HttpClient c, HttpRequest request) {
        try {
            return c.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "connecting to " + endpoint(request) + " timed out");
        } catch (HttpTimeoutException e) {
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, endpoint(request) + " did not answer in time");
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof javax.net.ssl.SSLException || e.getCause() instanceof javax.net.ssl.SSLException) {
                why = "TLS failed (" + why + "); if the endpoint uses a private CA, set AWS_CA_BUNDLE or --upstream-ca";
            }
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "cannot reach " + endpoint(request) + ": " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AwsFailure(AwsFailure.Kind.UNREACHABLE, null, "interrupted while calling " + endpoint(request));
        }
    }

    private static String endpoint(HttpRequest r) {
        URI u = r.uri();
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    /**
     * The Host header the JDK client sends for {@code uri} (the port only when it is not the
     * scheme's default), which is what must be signed.
     */
    public static String hostHeader(URI uri) {
        int port = uri.getPort();
        boolean dflt = port == -1 || (uri.getScheme().equals("https") ? port == 443 : port == 80);
        return dflt ? uri.getHost() : uri.getHost() + ":" + port;
    }

    private static SSLContext sslContext(List<Path> bundles) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager(bundles)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for AWS calls", e);
        }
    }

    private static X509TrustManager trustManager(List<Path> bundles) {
        if (bundles.isEmpty()) {
            return UpstreamTrust.create(null);
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate root : UpstreamTrust.create(null).getAcceptedIssuers()) {
                store.setCertificateEntry("system-" + i++, root);
            }
            for (Path p : bundles) {
                for (X509Certificate c : UpstreamTrust.readPemCertificates(p)) {
                    store.setCertificateEntry("extra-" + i++, c);
                }
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the trust store for AWS calls", e);
        }
    }

    static @Nullable String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }
}
