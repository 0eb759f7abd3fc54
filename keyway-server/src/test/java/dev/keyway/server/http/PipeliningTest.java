package dev.keyway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 pipelining on the control plane: requests sent back to back on one connection are
 * answered in the order they were sent, even when the first takes longer than the second.
 */
class PipeliningTest {
    HttpApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrderWhenTheFirstIsSlower() throws Exception {
        CountDownLatch fastCalled = new CountDownLatch(1);
        AtomicBoolean fastRanDuringSlow = new AtomicBoolean();
        Router r = new Router();
        // The slow handler waits for the fast one to run (bounded). A server that handles
        // pipelined requests concurrently runs /fast meanwhile and writes its answer first.
        r.get("/slow", RouteAccess.PUBLIC, req -> {
            try {
                fastRanDuringSlow.set(fastCalled.await(1, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ApiResponse.text(200, "text/plain", "slow");
        });
        r.get("/fast", RouteAccess.PUBLIC, req -> {
            fastCalled.countDown();
            return ApiResponse.text(200, "text/plain", "fast");
        });
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n"
                            + "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n"
                            + "GET /fast HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String all = readAll(s.getInputStream());
            assertThat(all.split("HTTP/1.1 200", -1)).hasSize(4);
            assertThat(all.indexOf("\r\n\r\nslow")).isNotNegative().isLessThan(all.indexOf("\r\n\r\nfast"));
            assertThat(all).endsWith("fast");
            assertThat(fastRanDuringSlow).as("the second request ran before the first was answered").isFalse();
        }
    }

    @Test
    void aPipelinedRequestAfterOneThatClosesIsNotAnswered() throws Exception {
        Router r = new Router();
        r.get("/a", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "text/plain", "a"));
        r.get("/b", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "text/plain", "b"));
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                            + "GET /b HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 200").endsWith("\r\n\r\na");
            assertThat(all.split("HTTP/1.1 ", -1)).hasSize(2);
        }
    }

    @Test
    void aMalformedPipelinedRequestIsAnsweredAfterTheOnesBeforeIt() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Router r = new Router();
        r.get("/slow", RouteAccess.PUBLIC, req -> {
            try {
                never.await(300, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ApiResponse.text(200, "text/plain", "slow");
        });
        server = HttpApiServer.start("127.0.0.1", 0, r, 1024);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n"
                            + "GET /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 200");
            assertThat(all.indexOf("HTTP/1.1 400")).isGreaterThan(all.indexOf("\r\n\r\nslow"));
        }
    }

    static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }
}
