package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.inject.HttpHead;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A WebSocket upgrade held by the policy's {@link RequestSigner} hook (an approval, a linked
 * credential's first fetch), with a real client (OkHttp's WebSocket) through a CONNECT tunnel and an
 * upstream that records every request it receives: the client just waits, nothing reaches the
 * upstream while the hook is pending, the hook's headers are what the upstream sees once it
 * answers, a refusal is the hook's problem on the upgrade request, and a client that gives up
 * cancels the hook's future. Waits are bounded polls, never timings.
 */
class WebSocketHoldTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    /** Holds like an approval; the test completes the future. */
    final class Hold implements RequestSigner {
        final CompletableFuture<Signed> answer = new CompletableFuture<>();
        final BlockingQueue<RequestHead> asked = new LinkedBlockingQueue<>();
        volatile @Nullable CompletableFuture<Signed> given;

        @Override
        public boolean needsBody() {
            return false;
        }

        @Override
        public boolean holds() {
            return true;
        }

        @Override
        public CompletableFuture<Signed> sign(RequestHead head, byte @Nullable [] body) {
            CompletableFuture<Signed> f = answer.thenApply(s -> s);
            given = f;
            asked.add(head);
            return f;
        }
    }

    final List<okhttp3.OkHttpClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() {
        for (okhttp3.OkHttpClient c : clients) {
            c.dispatcher().executorService().shutdown();
            c.connectionPool().evictAll();
        }
    }

    /** The client's view of the upgrade: open (with the 101) or failed (with the answer, when there was one). */
    record Outcome(@Nullable WebSocket open, int status, @Nullable String errorType, String body) {}

    CompletableFuture<Outcome> connect(MockWebServer up, BlockingQueue<String> received) {
        okhttp3.OkHttpClient client = new okhttp3.OkHttpClient.Builder()
                .proxy(new java.net.Proxy(java.net.Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", px.port())))
                .proxyAuthenticator((route, response) -> response.request().newBuilder()
                        .header("Proxy-Authorization", okhttp3.Credentials.basic("t0k", "v")).build())
                .sslSocketFactory(px.clientTrust.sslSocketFactory(), px.clientTrust.trustManager())
                .readTimeout(0, TimeUnit.SECONDS)
                .build();
        clients.add(client);
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        WebSocket ws = client.newWebSocket(new okhttp3.Request.Builder().url("https://ws.test:" + up.getPort() + "/ws")
                .header("Authorization", "Bearer placeholder").build(), new WebSocketListener() {
            @Override
            public void onOpen(WebSocket w, Response r) {
                out.complete(new Outcome(w, r.code(), null, ""));
            }

            @Override
            public void onMessage(WebSocket w, String text) {
                received.add(text);
            }

            @Override
            public void onFailure(WebSocket w, Throwable t, @Nullable Response r) {
                String body = "";
                if (r != null) {
                    try {
                        body = r.body().string();
                    } catch (Exception e) {
                        body = "";
                    }
                }
                out.complete(new Outcome(null, r == null ? 0 : r.code(), r == null ? null : r.header("Keyway-Error"), body));
            }
        });
        pending.add(ws);
        return out;
    }

    final List<WebSocket> pending = new ArrayList<>();

    static MockWebServer echoUpstream() throws java.io.IOException {
        MockWebServer up = px.httpsUpstream(false);
        up.enqueue(new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
            @Override
            public void onMessage(WebSocket ws, String text) {
                ws.send("echo:" + text);
            }

            @Override
            public void onClosing(WebSocket ws, int code, String reason) {
                ws.close(code, reason);
            }
        }).build());
        return up;
    }

    @Test
    void aHeldUpgradeSendsNothingUpstreamUntilTheHookAnswersThenConnectsWithItsHeaders() throws Exception {
        MockWebServer up = echoUpstream();
        Hold hold = new Hold();
        px.signer = hold;
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<Outcome> outcome = connect(up, received);
        RequestHead asked = hold.asked.poll(20, TimeUnit.SECONDS);
        assertThat(asked).as("the upgrade request reached the hook").isNotNull();
        assertThat(asked.header("Upgrade")).isEqualToIgnoringCase("websocket");
        assertThat(asked.header("Authorization")).isEqualTo("Bearer " + ProxyFixture.SECRET);
        assertThat(outcome).as("the client simply waits").isNotDone();
        assertThat(up.getRequestCount()).as("nothing reached the upstream while held").isZero();

        List<HttpHead.Header> released = new ArrayList<>(asked.headers());
        released.add(new HttpHead.Header("X-Approved", "yes"));
        hold.answer.complete(new RequestSigner.Signed(released, null));

        Outcome o = outcome.get(20, TimeUnit.SECONDS);
        assertThat(o.status()).as(o.body()).isEqualTo(101);
        WebSocket ws = java.util.Objects.requireNonNull(o.open());
        ws.send("hello");
        assertThat(received.poll(20, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        RecordedRequest r = up.takeRequest(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.getHeaders().get("X-Approved")).as("the hook's headers are the ones sent").isEqualTo("yes");
        assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + ProxyFixture.SECRET);
        ws.close(1000, "done");
    }

    @Test
    void aRefusedHoldIsTheHooksProblemOnTheUpgradeAndNothingIsForwarded() throws Exception {
        MockWebServer up = echoUpstream();
        Hold hold = new Hold();
        px.signer = hold;
        CompletableFuture<Outcome> outcome = connect(up, new LinkedBlockingQueue<>());
        assertThat(hold.asked.poll(20, TimeUnit.SECONDS)).isNotNull();
        hold.answer.completeExceptionally(new RequestSigner.Refused(new ProxyProblem(ErrorType.APPROVAL_TIMEOUT,
                "nobody approved GET ws.test/ws in time; nothing was forwarded")));
        Outcome o = outcome.get(20, TimeUnit.SECONDS);
        assertThat(o.open()).isNull();
        assertThat(o.status()).isEqualTo(403);
        assertThat(o.errorType()).isEqualTo("approval-timeout");
        assertThat(o.body()).contains("nobody approved").doesNotContain(ProxyFixture.SECRET);
        assertThat(up.getRequestCount()).isZero();
        ProxyFixture.eventually(() -> px.events("denied").stream().anyMatch(e -> "approval-timeout".equals(e.errorType())));
    }

    @Test
    void aClientThatGivesUpWhileHeldCancelsTheHooksFuture() throws Exception {
        MockWebServer up = echoUpstream();
        Hold hold = new Hold();
        px.signer = hold;
        CompletableFuture<Outcome> outcome = connect(up, new LinkedBlockingQueue<>());
        assertThat(hold.asked.poll(20, TimeUnit.SECONDS)).isNotNull();
        pending.getFirst().cancel(); // closes the client's connection
        ProxyFixture.eventually(() -> {
            CompletableFuture<RequestSigner.Signed> g = hold.given;
            return g != null && g.isCancelled();
        });
        hold.answer.complete(new RequestSigner.Signed(List.of(), null)); // a late answer goes nowhere
        assertThat(outcome.get(20, TimeUnit.SECONDS).open()).isNull();
        assertThat(up.getRequestCount()).isZero();
    }
}
