package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Streaming: SSE without buffering, large uploads with body rewriting, large downloads. */
class StreamingTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    private HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", px.port())))
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return new PasswordAuthentication("t0k", "v".toCharArray());
                    }
                })
                .sslContext(px.clientTrust.sslContext())
                .version(version)
                .build();
    }

    @ParameterizedTest
    @EnumSource(HttpClient.Version.class)
    void serverSentEventsAreNotBuffered(HttpClient.Version version) throws Exception {
        CountDownLatch clientGotFirst = new CountDownLatch(1);
        HttpsServer sse = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sse.setHttpsConfigurator(new HttpsConfigurator(px.upstreamServerCerts.sslContext()));
        sse.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        sse.createContext("/events", ex -> {
            assertThat(ex.getRequestHeaders().getFirst("Authorization")).isEqualTo("Bearer " + ProxyFixture.SECRET);
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                // the upstream only continues once the client has seen the first event
                if (!clientGotFirst.await(10, TimeUnit.SECONDS)) {
                    out.write("data: timeout\n\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                out.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sse.start();
        try (HttpClient c = client(version)) {
            URI uri = URI.create("https://sse.test:" + sse.getAddress().getPort() + "/events");
            HttpResponse<InputStream> resp = c.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.headers().firstValue("content-type")).hasValue("text/event-stream");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                assertThat(r.readLine()).isEqualTo("data: first");
                clientGotFirst.countDown();
                assertThat(r.readLine()).isEmpty();
                assertThat(r.readLine()).isEqualTo("data: second");
            }
        } finally {
            sse.stop(0);
        }
    }

    private static byte[] bodyWithPlaceholders(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'a');
        byte[] ph = "__PH__".getBytes(StandardCharsets.US_ASCII);
        // placeholders at many offsets, including ones straddling typical 8/16 KiB chunk boundaries
        for (int at = 100; at + ph.length < size; at += 8189) {
            System.arraycopy(ph, 0, b, at, ph.length);
        }
        return b;
    }

    private static byte[] replaced(byte[] in) {
        return new String(in, StandardCharsets.ISO_8859_1).replace("__PH__", ProxyFixture.GIT_SECRET)
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void largeChunkedUploadIsRewrittenWhileStreaming() throws Exception {
        px.rewriteBodies = true;
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("got it").build());
        byte[] body = bodyWithPlaceholders(10 * 1024 * 1024);
        try (HttpClient c = client(HttpClient.Version.HTTP_1_1)) {
            HttpResponse<String> resp = c.send(HttpRequest.newBuilder(URI.create("https://api.test:" + up.getPort() + "/up"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(resp.body()).isEqualTo("got it");
        }
        RecordedRequest req = up.takeRequest(10, TimeUnit.SECONDS);
        assertThat(req.getHeaders().get("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(req.getBody().toByteArray()).isEqualTo(replaced(body));
    }

    @Test
    void largeSizedUploadAboveFixupLimitIsRechunked() throws Exception {
        px.rewriteBodies = true;
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        byte[] body = bodyWithPlaceholders(9 * 1024 * 1024);
        try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
            HttpResponse<String> resp = c.send(HttpRequest.newBuilder(URI.create("https://api.test:" + up.getPort() + "/up"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.body()).isEqualTo("ok");
        }
        RecordedRequest req = up.takeRequest(10, TimeUnit.SECONDS);
        assertThat(req.getHeaders().get("Content-Length")).isNull();
        assertThat(req.getBody().toByteArray()).isEqualTo(replaced(body));
    }

    @Test
    void smallBodyGetsContentLengthFixup() throws Exception {
        px.rewriteBodies = true;
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        String body = "{\"token\":\"__PH__\",\"again\":\"__PH__\"}";
        try (Raw raw = px.intercepted("api.test", up.getPort(), "api.test")) {
            Raw.Response r = raw.send("POST /small HTTP/1.1\r\nHost: api.test:" + up.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).read();
            assertThat(r.status()).isEqualTo(200);
        }
        RecordedRequest req = up.takeRequest(5, TimeUnit.SECONDS);
        String expected = body.replace("__PH__", ProxyFixture.GIT_SECRET);
        assertThat(req.getHeaders().get("Content-Length")).isEqualTo(String.valueOf(expected.length()));
        assertThat(req.getHeaders().get("Transfer-Encoding")).isNull();
        assertThat(req.getBody().utf8()).isEqualTo(expected);
    }

    @Test
    void unchangedBodyStreamsWithOriginalLength() throws Exception {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().body("ok").build());
        byte[] body = bodyWithPlaceholders(3 * 1024 * 1024);
        try (HttpClient c = client(HttpClient.Version.HTTP_1_1)) {
            c.send(HttpRequest.newBuilder(URI.create("https://api.test:" + up.getPort() + "/raw"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        }
        RecordedRequest req = up.takeRequest(10, TimeUnit.SECONDS);
        assertThat(req.getHeaders().get("Content-Length")).isEqualTo(String.valueOf(body.length));
        assertThat(req.getBody().toByteArray()).isEqualTo(body);
    }

    @ParameterizedTest
    @EnumSource(HttpClient.Version.class)
    void largeResponseStreamsBack(HttpClient.Version version) throws Exception {
        MockWebServer up = px.httpsUpstream(version == HttpClient.Version.HTTP_2);
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(42).nextBytes(big);
        up.enqueue(new MockResponse.Builder().body(new Buffer().write(big)).build());
        // chunked framing only exists in HTTP/1.1; over h2 the second response is simply sent again
        up.enqueue(version == HttpClient.Version.HTTP_1_1
                ? new MockResponse.Builder().chunkedBody(new Buffer().write(big), 100_000).build()
                : new MockResponse.Builder().body(new Buffer().write(big)).build());
        try (HttpClient c = client(version)) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<InputStream> resp = c.send(
                        HttpRequest.newBuilder(URI.create("https://api.test:" + up.getPort() + "/big" + i)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                long total = 0;
                try (InputStream in = resp.body()) {
                    byte[] buf = new byte[7777];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                        total += n;
                    }
                }
                assertThat(total).as("bytes of response " + i + " status " + resp.statusCode()).isEqualTo(big.length);
                assertThat(HexFormat.of().formatHex(md.digest()))
                        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
            }
        }
        // only this test's exchanges: an earlier test's exchange may still be recorded after the fixture reset
        java.util.function.Supplier<java.util.List<dev.keyway.proxy.spi.ProxyAuditEvent>> mine = () -> px.events("request").stream()
                .filter(e -> e.path() != null && e.path().startsWith("/big")).toList();
        try {
            ProxyFixture.eventually(() -> mine.get().size() == 2);
        } catch (AssertionError e) {
            throw new AssertionError("request events seen: " + px.events("request"), e);
        }
        assertThat(mine.get()).allSatisfy(e -> assertThat(e.bytesOut()).isEqualTo(big.length));
    }
}
