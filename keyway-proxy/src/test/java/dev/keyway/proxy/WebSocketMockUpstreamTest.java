package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WebSocket echo through the interception against an upstream that answers as soon as it reads a
 * message (OkHttp's MockWebServer): every message the client sends comes back through the proxy.
 */
class WebSocketMockUpstreamTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    @Test
    void upstreamEchoesReachTheClient() throws Exception {
        MockWebServer up = echoUpstream();
        HttpClient c = px.closeAfterTest(HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", px.port())))
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return new PasswordAuthentication("t0k", "v".toCharArray());
                    }
                })
                .sslContext(px.clientTrust.sslContext())
                .build());
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        WebSocket ws = c.newWebSocketBuilder().header("Authorization", "Bearer placeholder")
                .buildAsync(URI.create("wss://api.test:" + up.getPort() + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        received.add(data.toString());
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }
                }).get(20, TimeUnit.SECONDS);
        for (int i = 0; i < 5; i++) {
            ws.sendText("m" + i, true).get(5, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:m" + i);
        }
        ws.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
    }

    /** OkHttp's client offers {@code permessage-deflate}; MockWebServer accepts it: compressed frames must still round-trip. */
    @Test
    void okHttpClientWithPerMessageDeflateGetsItsEchoes() throws Exception {
        MockWebServer up = echoUpstream();
        okhttp3.OkHttpClient client = new okhttp3.OkHttpClient.Builder()
                .proxy(new java.net.Proxy(java.net.Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", px.port())))
                .proxyAuthenticator((route, response) -> response.request().newBuilder()
                        .header("Proxy-Authorization", okhttp3.Credentials.basic("t0k", "v")).build())
                .sslSocketFactory(px.clientTrust.sslSocketFactory(), px.clientTrust.trustManager())
                .build();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        okhttp3.WebSocket ws = client.newWebSocket(new okhttp3.Request.Builder().url("https://api.test:" + up.getPort() + "/ws")
                .header("Authorization", "Bearer placeholder").build(), new WebSocketListener() {
            @Override
            public void onMessage(okhttp3.WebSocket w, String text) {
                received.add(text);
            }

            @Override
            public void onClosed(okhttp3.WebSocket w, int code, String reason) {
                closed.complete(code);
            }

            @Override
            public void onFailure(okhttp3.WebSocket w, Throwable t, okhttp3.Response r) {
                closed.completeExceptionally(t);
            }
        });
        for (int i = 0; i < 5; i++) {
            ws.send("m" + i + " " + "x".repeat(200));
        }
        for (int i = 0; i < 5; i++) {
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:m" + i + " " + "x".repeat(200));
        }
        ws.close(1000, "done");
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    /** An HTTPS upstream that upgrades the next request and echoes every text message, closing when asked. */
    private static MockWebServer echoUpstream() throws java.io.IOException {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
            @Override
            public void onMessage(okhttp3.WebSocket ws, String text) {
                ws.send("echo:" + text);
            }

            @Override
            public void onClosing(okhttp3.WebSocket ws, int code, String reason) {
                ws.close(code, reason);
            }
        }).build());
        return up;
    }
}
