package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.tls.HandshakeCertificates;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * WebSockets through the real jar with OkHttp, the way the soak drives them: a pooled client that
 * authenticates to the proxy on its 407 challenge, a service that injects a bearer token into the
 * upgrade, an upstream that echoes every message. Every message must come back.
 */
class WebSocketJarIT {

    @Test
    void okHttpWebSocketEchoesThroughTheRealJar() throws Exception {
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        Path work = jar.getParent().resolve("it-work").resolve("WebSocketJarIT-" + System.currentTimeMillis());
        Path data = Files.createDirectories(work.resolve("data"));
        KeywayJar kw = new KeywayJar(jar, work.resolve("logs"));
        String secret = "ws-secret-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        CountDownLatch upstreamClosed = new CountDownLatch(3);
        Dispatcher echo = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                if (!("Bearer " + secret).equals(r.getHeaders().get("Authorization"))) {
                    return new MockResponse.Builder().code(401).body("no credential").build();
                }
                if (!r.getUrl().encodedPath().startsWith("/ws")) {
                    return new MockResponse.Builder().body("ok").build();
                }
                return new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
                    @Override
                    public void onMessage(WebSocket ws, String text) {
                        ws.send("echo:" + text);
                    }

                    @Override
                    public void onClosing(WebSocket ws, int code, String reason) {
                        ws.close(code, reason);
                    }

                    @Override
                    public void onClosed(WebSocket ws, int code, String reason) {
                        upstreamClosed.countDown();
                    }
                }).build();
            }
        };
        try (LocalUpstream upstream = LocalUpstream.start(work, echo)) {
            KeywayJar.Server server = kw.startServer(data, "ws", upstream.serverArgs());
            try {
                LocalUpstream.Binding bound = upstream.bind(kw, server, data, work, secret);
                X509Certificate keywayCa = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                        new ByteArrayInputStream(bound.keywayCaPem().getBytes(StandardCharsets.US_ASCII)));
                OkHttpClient client = client(server, bound.token(), keywayCa);
                String base = "https://localhost:" + upstream.port();
                // a plain request first, so the pool holds a proxied connection as it does in the soak
                try (Response r = client.newCall(new Request.Builder().url(base + "/warm").build()).execute()) {
                    assertThat(r.code()).isEqualTo(200);
                }
                for (int round = 0; round < 3; round++) {
                    List<String> got = new CopyOnWriteArrayList<>();
                    CountDownLatch echoes = new CountDownLatch(20);
                    CountDownLatch opened = new CountDownLatch(1);
                    CountDownLatch closed = new CountDownLatch(1);
                    Throwable[] failure = new Throwable[1];
                    WebSocket ws = client.newWebSocket(new Request.Builder().url(base + "/ws").build(), new WebSocketListener() {
                        @Override
                        public void onOpen(WebSocket s, Response response) {
                            opened.countDown();
                        }

                        @Override
                        public void onMessage(WebSocket s, String text) {
                            got.add(text);
                            echoes.countDown();
                        }

                        @Override
                        public void onClosed(WebSocket s, int code, String reason) {
                            closed.countDown();
                        }

                        @Override
                        public void onFailure(WebSocket s, Throwable t, @Nullable Response response) {
                            failure[0] = t;
                            opened.countDown();
                        }
                    });
                    for (int m = 0; m < 20; m++) {
                        ws.send("m" + m);
                    }
                    assertThat(opened.await(20, TimeUnit.SECONDS)).as("open").isTrue();
                    assertThat(failure[0]).as("round " + round).isNull();
                    boolean all = echoes.await(20, TimeUnit.SECONDS);
                    assertThat(got).as("echoes in round " + round + " (failure: " + failure[0] + ")").hasSize(20);
                    assertThat(all).isTrue();
                    assertThat(got).first().isEqualTo("echo:m0");
                    ws.close(1000, "done");
                    // the close handshake goes both ways through the proxy: the client hears the upstream's close
                    assertThat(closed.await(20, TimeUnit.SECONDS)).as("client saw the close reply, round " + round).isTrue();
                }
                assertThat(upstreamClosed.await(20, TimeUnit.SECONDS)).as("upstream saw every close").isTrue();
            } finally {
                KeywayJar.stop(server, false);
            }
        }
    }

    private static OkHttpClient client(KeywayJar.Server server, String token, X509Certificate keywayCa) {
        String[] hp = server.proxy().split(":");
        HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(keywayCa).build();
        return new OkHttpClient.Builder()
                .proxy(new Proxy(Proxy.Type.HTTP, new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))))
                .proxyAuthenticator((route, response) -> response.request().newBuilder()
                        .header("Proxy-Authorization", Credentials.basic(token, "default")).build())
                .sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
                .connectionPool(new ConnectionPool(16, 5, TimeUnit.MINUTES))
                .callTimeout(Duration.ofSeconds(30))
                .build();
    }
}
