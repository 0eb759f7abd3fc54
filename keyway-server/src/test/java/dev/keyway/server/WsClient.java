package dev.keyway.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.tls.HandshakeCertificates;
import org.jspecify.annotations.Nullable;

/**
 * A real WebSocket client (OkHttp's) through Keyway's proxy: CONNECT with the proxy token, TLS
 * trusting Keyway's CA, the upgrade request carrying {@code Authorization: Bearer PLACEHOLDER}.
 * {@link #outcome} completes with the 101 (an open socket) or with the answer the client got
 * instead (status, {@code Keyway-Error}, body), so a test can check that it is still waiting.
 */
final class WsClient implements AutoCloseable {
    /** The client's view of the upgrade. */
    record Outcome(okhttp3.@Nullable WebSocket open, int status, @Nullable String errorType, String body) {}

    final okhttp3.OkHttpClient client;
    final okhttp3.WebSocket socket;
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    WsClient(int proxyPort, String proxyToken, String vault, Path keywayCa, String url) throws Exception {
        HandshakeCertificates trust = new HandshakeCertificates.Builder()
                .addTrustedCertificate(okhttp3.tls.Certificates.decodeCertificatePem(Files.readString(keywayCa))).build();
        client = new okhttp3.OkHttpClient.Builder()
                .proxy(new java.net.Proxy(java.net.Proxy.Type.HTTP, new java.net.InetSocketAddress("127.0.0.1", proxyPort)))
                .proxyAuthenticator((route, response) -> response.request().newBuilder()
                        .header("Proxy-Authorization", okhttp3.Credentials.basic(proxyToken, vault)).build())
                .sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
                .readTimeout(0, TimeUnit.SECONDS)
                .build();
        socket = client.newWebSocket(new okhttp3.Request.Builder().url(url).header("Authorization", "Bearer PLACEHOLDER")
                .build(), new okhttp3.WebSocketListener() {
            @Override
            public void onOpen(okhttp3.WebSocket w, okhttp3.Response r) {
                outcome.complete(new Outcome(w, r.code(), null, ""));
            }

            @Override
            public void onMessage(okhttp3.WebSocket w, String text) {
                received.add(text);
            }

            @Override
            public void onFailure(okhttp3.WebSocket w, Throwable t, okhttp3.@Nullable Response r) {
                String body = "";
                if (r != null) {
                    try {
                        body = r.body().string();
                    } catch (Exception e) {
                        body = "";
                    }
                }
                outcome.complete(new Outcome(null, r == null ? 0 : r.code(), r == null ? null : r.header("Keyway-Error"), body));
            }
        });
    }

    /** The 101 or the answer instead, within a bound generous for a loaded machine. */
    Outcome await() throws Exception {
        return outcome.get(60, TimeUnit.SECONDS);
    }

    /** Closes the client's connection at once (a held upgrade: the client gives up). */
    void cancel() {
        socket.cancel();
    }

    @Override
    public void close() {
        socket.cancel();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
