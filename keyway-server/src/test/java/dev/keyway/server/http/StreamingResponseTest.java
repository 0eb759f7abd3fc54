package dev.keyway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The streaming (Server-Sent Events) path of the control-plane HTTP server. */
class StreamingResponseTest {
    final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();
    HttpApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void chunksReachTheClientBeforeTheStreamEnds() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        Router r = new Router();
        r.get("/events", RouteAccess.PUBLIC, req -> ApiResponse.stream("text/event-stream", sink -> {
            sink.send("data: one\n\n");
            // the stream waits until the client has seen the first event: proof it was not buffered
            assertThat(firstRead.await(10, TimeUnit.SECONDS)).isTrue();
            sink.send("data: two\n\n");
        }).withHeader("X-Test", "yes"));
        r.get("/plain", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "text/plain", "still fine"));
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);

        HttpResponse<java.io.InputStream> resp = http.send(HttpRequest.newBuilder(URI.create(base() + "/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(resp.headers().firstValue("x-test")).hasValue("yes");
        assertThat(resp.headers().firstValue("cache-control")).hasValue("no-store");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).isEqualTo("data: one");
            firstRead.countDown();
            assertThat(in.readLine()).isEmpty();
            assertThat(in.readLine()).isEqualTo("data: two");
            assertThat(in.readLine()).isEmpty();
            assertThat(in.readLine()).isNull();
        }
        // ordinary responses are unaffected
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(base() + "/plain")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.body()).isEqualTo("still fine");
    }

    @Test
    void aDisconnectedClientEndsTheStream() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        AtomicBoolean sawClosed = new AtomicBoolean();
        Router r = new Router();
        r.get("/events", RouteAccess.PUBLIC, req -> ApiResponse.stream("text/event-stream", sink -> {
            try {
                sink.send(": hello\n\n");
                started.countDown();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < end) {
                    if (!sink.open() || !sink.send(": ping\n\n")) {
                        sawClosed.set(true);
                        return;
                    }
                    Thread.sleep(20); // a live SSE stream: the pace is real time by nature
                }
            } finally {
                ended.countDown();
            }
        }));
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(s.getInputStream().readNBytes(15), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
        }
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sawClosed).isTrue();
    }

    @Test
    void headRequestsGetNoStream() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        Router r = new Router();
        r.get("/events", RouteAccess.PUBLIC, req -> ApiResponse.stream("text/event-stream", sink -> ran.set(true)));
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(base() + "/events"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(ran).isFalse();
    }

    @Test
    void redirectsStayOnThisOrigin() {
        assertThat(ApiResponse.redirect("/vaults").headers()).containsEntry("Location", "/vaults");
        assertThat(ApiResponse.redirect("/vaults").status()).isEqualTo(303);
        for (String bad : new String[] {"https://evil.example/", "//evil.example/", "vaults"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApiResponse.redirect(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }
}
