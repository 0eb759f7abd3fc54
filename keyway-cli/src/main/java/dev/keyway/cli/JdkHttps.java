package dev.keyway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The API client's transport for {@code https://} API URLs (a remote or TLS-terminated server): the
 * JDK {@code HttpClient}, which brings TLS, the system trust store and HTTP/2. Its start-up cost
 * (~0.7 s of CPU) is paid only by calls to an https API; the JDK client is created on first use and
 * then reused by every request of this CLI process. The same {@link ApiTransport.Limits} as {@link
 * PlainHttp}; no redirects are followed.
 */
final class JdkHttps implements ApiTransport {
    private final Limits limits;
    private @Nullable HttpClient client;

    JdkHttps(Limits limits) {
        this.limits = limits;
    }

    private synchronized HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            c = HttpClient.newBuilder().connectTimeout(limits.connect()).proxy(ProxySelector.of(null)).build();
            client = c;
        }
        return c;
    }

    @Override
    public Reply exchange(String method, URI uri, List<Header> headers, byte @Nullable [] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(limits.request());
        for (Header h : headers) {
            b.header(h.name(), h.value());
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<InputStream> r;
        try {
            r = client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new java.net.ConnectException("connect timed out");
        } catch (HttpTimeoutException e) {
            throw new java.net.SocketTimeoutException("request timed out");
        }
        long declared = r.headers().firstValueAsLong("content-length").orElse(-1);
        try (InputStream in = r.body()) {
            if (declared > limits.maxBody()) {
                throw new TooLarge(limits.maxBody());
            }
            byte[] bytes = in.readNBytes(limits.maxBody() + 1);
            if (bytes.length > limits.maxBody()) {
                throw new TooLarge(limits.maxBody());
            }
            return new Reply(r.statusCode(), new String(bytes, StandardCharsets.UTF_8));
        }
    }
}
