package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.inject.HttpHead;
import dev.keyway.proxy.ProxyConfig;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The parts of an {@link Exchange} and their state enums on {@link EmbeddedChannel}s, no sockets:
 * the client stream is one embedded channel (an {@link ExchangeHandler} fed {@code HttpObject}s),
 * the upstream another, registered on the client's event loop and put in the pool so the exchange
 * takes it as a pooled keep-alive connection. The audit sink's decision future is held by the test,
 * so the send gate opens (or refuses) exactly when the test says.
 */
class ExchangeTest {
    private static final String REAL = "Bearer real-secret-value";
    private static final UpstreamPool.Key KEY = new UpstreamPool.Key(true, "api.test", 443, false);

    private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    private final List<ProxyAuditEvent> decisions = new ArrayList<>();
    private final List<ProxyAuditEvent> completed = new ArrayList<>();
    private CompletableFuture<Void> decision = new CompletableFuture<>();
    private List<String> credentials = List.of("api_key");
    /** The audit log refuses the decision record at once (closed, disk gone). */
    private boolean auditClosed;
    /** When set, the policy forwards with this signer (a hold). */
    private @Nullable RequestSigner signer;

    private final ProxyPolicy policy = new ProxyPolicy() {
        @Override
        public AuthResult authenticate(@Nullable String header, InetSocketAddress client) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ConnectDecision onConnect(ProxyPrincipal p, String host, int port) {
            throw new UnsupportedOperationException();
        }

        /** Injects the real credential in place of the client's placeholder (when the test injects). */
        @Override
        public RequestDecision onRequest(ProxyPrincipal p, RequestHead head) {
            List<HttpHead.Header> h = new ArrayList<>();
            for (HttpHead.Header x : head.headers()) {
                if (!x.name().equalsIgnoreCase("authorization")) {
                    h.add(x);
                }
            }
            if (!credentials.isEmpty()) {
                h.add(new HttpHead.Header("Authorization", REAL));
            }
            return new RequestDecision.Forward(head.with(new HttpHead(head.method(), head.pathAndQuery(), h)), null,
                    null, "svc", credentials, signer);
        }

        @Override
        public boolean isActive(ProxyPrincipal p) {
            return true;
        }
    };
    private final ProxyContext px = new ProxyContext(ProxyConfig.defaults(), policy, new AuditSink() {
        @Override
        public CompletableFuture<Void> decision(ProxyAuditEvent event) {
            decisions.add(event);
            if (auditClosed) {
                throw new IllegalStateException("the audit log is closed");
            }
            return decision;
        }

        @Override
        public void completed(ProxyAuditEvent event) {
            completed.add(event);
        }
    }, (host, addrs) -> new UpstreamAddressPolicy.Vetted.Allowed(addrs),
            new TlsContexts(h -> new CompletableFuture<>(), null), blocking, NioSocketChannel.class);

    private final ExchangeHandler handler = new ExchangeHandler(px, null, false);
    private final EmbeddedChannel client = new EmbeddedChannel(handler);
    private final EmbeddedChannel upstream = new EmbeddedChannel(false, false, new UpstreamHandler());

    {
        handler.target(new Target("https", java.util.Objects.requireNonNull(Authority.parse("api.test", 443)),
                new ProxyPrincipal("tok", "agent", "v1", "vault"), null));
        client.eventLoop().register(upstream).syncUninterruptibly();
        px.pool.release(KEY, upstream); // an idle keep-alive connection, as a previous exchange left it
    }

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        blocking.close();
    }

    private Exchange exchange() {
        Object cur = handler.current();
        assertThat(cur).isInstanceOf(Exchange.class);
        return (Exchange) cur;
    }

    private static DefaultFullHttpRequest get() {
        DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/items");
        r.headers().set(HttpHeaderNames.HOST, "api.test").set(HttpHeaderNames.AUTHORIZATION, "Bearer placeholder");
        return r;
    }

    private static DefaultHttpRequest post(long length) {
        DefaultHttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/items");
        r.headers().set(HttpHeaderNames.HOST, "api.test").set(HttpHeaderNames.AUTHORIZATION, "Bearer placeholder")
                .set(HttpHeaderNames.CONTENT_LENGTH, length);
        return r;
    }

    private static HttpContent part(String s, boolean last) {
        var b = Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
        return last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b);
    }

    /** Everything written upstream so far, as text lines ("head GET /v1/items", "part abc", "last def"). */
    private List<String> sentUpstream() {
        List<String> out = new ArrayList<>();
        Object m;
        while ((m = upstream.readOutbound()) != null) {
            if (m instanceof HttpRequest r) {
                out.add("head " + r.method() + " " + r.uri() + " auth=" + r.headers().get(HttpHeaderNames.AUTHORIZATION));
            }
            if (m instanceof HttpContent c) {
                String body = c.content().toString(StandardCharsets.UTF_8);
                if (!(m instanceof HttpRequest) || !body.isEmpty()) {
                    out.add((c instanceof LastHttpContent ? "last " : "part ") + body);
                }
            }
            ReferenceCountUtil.release(m);
        }
        return out;
    }

    private @Nullable FullHttpResponse answered() {
        Object m = client.readOutbound();
        return m instanceof FullHttpResponse r ? r : null;
    }

    @Test
    void nothingGoesUpstreamBeforeTheDecisionIsDurableThenTheInjectedHeadDoes() {
        client.writeInbound(get());
        Exchange x = exchange();
        assertThat(x.link.source()).isEqualTo(UpstreamLink.Source.POOLED); // the connection is there...
        assertThat(x.gate.state()).isEqualTo(SendGate.State.RECORDING); // ...but the record is not durable
        client.runPendingTasks();
        assertThat(sentUpstream()).isEmpty();
        assertThat(x.writer.output()).isEqualTo(RequestWriter.Output.WAITING);
        assertThat(decisions).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo("decision"));

        decision.complete(null);
        assertThat(sentUpstream()).as("the record is durable, but the gate opens on the loop").isEmpty();
        client.runPendingTasks();
        assertThat(x.gate.state()).isEqualTo(SendGate.State.DURABLE);
        assertThat(sentUpstream()).containsExactly("head GET /v1/items auth=" + REAL);
        assertThat(x.writer.output()).isEqualTo(RequestWriter.Output.SENT);
        assertThat(x.relay.state()).isEqualTo(ResponseRelay.State.AWAITING);
    }

    @Test
    void aDecisionTheAuditLogCannotRecordIsAnswered503AndNothingIsForwarded() {
        client.writeInbound(get());
        Exchange x = exchange();
        decision.completeExceptionally(new java.io.IOException("disk full"));
        client.runPendingTasks();

        assertThat(x.gate.state()).isEqualTo(SendGate.State.REFUSED);
        assertThat(x.state()).isEqualTo(Exchange.State.FAILED);
        assertThat(sentUpstream()).isEmpty();
        FullHttpResponse r = answered();
        assertThat(r).isNotNull();
        assertThat(r.status().code()).isEqualTo(503);
        assertThat(r.content().toString(StandardCharsets.UTF_8)).contains(ErrorType.AUDIT_UNAVAILABLE.slug())
                .doesNotContain("real-secret-value");
        r.release();
        assertThat(completed).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("denied");
            assertThat(e.errorType()).isEqualTo(ErrorType.AUDIT_UNAVAILABLE.slug());
        });
        // nothing was written on it, so the connection went back to the pool
        assertThat(upstream.isActive()).isTrue();
        assertThat(px.pool.acquire(client.eventLoop(), KEY)).isSameAs(upstream);
    }

    @Test
    void aRequestWithoutAnInjectedCredentialGoesAtOnceWithoutADecisionRecord() {
        credentials = List.of();
        client.writeInbound(get());
        Exchange x = exchange();
        assertThat(x.gate.state()).isEqualTo(SendGate.State.NOT_REQUIRED);
        assertThat(sentUpstream()).containsExactly("head GET /v1/items auth=null");
        assertThat(decisions).isEmpty();
    }

    /** One row: what the upstream sends next, and where the response relay and the exchange stand after it. */
    private record ResponseStep(String what, Supplier<HttpObject> msg, ResponseRelay.State relay, Exchange.State exchange) {}

    @Test
    void theResponseRelayWalksItsStatesAndTheConnectionGoesBackToThePool() {
        credentials = List.of();
        client.writeInbound(get());
        Exchange x = exchange();
        sentUpstream();
        List<ResponseStep> table = List.of(
                new ResponseStep("100 Continue head", () -> new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.CONTINUE), ResponseRelay.State.INTERIM, Exchange.State.RUNNING),
                new ResponseStep("its empty last part", () -> new DefaultLastHttpContent(),
                        ResponseRelay.State.PRELUDE, Exchange.State.RUNNING),
                new ResponseStep("final head, chunked", () -> {
                    DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
                    return r;
                }, ResponseRelay.State.STREAMING, Exchange.State.RUNNING),
                new ResponseStep("a part", () -> part("data: 1\n\n", false), ResponseRelay.State.STREAMING,
                        Exchange.State.RUNNING),
                new ResponseStep("the last part", () -> part("data: 2\n\n", true), ResponseRelay.State.COMPLETE,
                        Exchange.State.COMPLETED));
        for (ResponseStep step : table) {
            upstream.writeInbound(step.msg().get());
            assertThat(x.relay.state()).as(step.what()).isEqualTo(step.relay());
            assertThat(x.state()).as(step.what()).isEqualTo(step.exchange());
        }
        List<String> relayed = new ArrayList<>();
        Object m;
        while ((m = client.readOutbound()) != null) {
            relayed.add(m instanceof HttpResponse r ? "head " + r.status().code()
                    : "part " + ((HttpContent) m).content().toString(StandardCharsets.UTF_8));
            ReferenceCountUtil.release(m);
        }
        assertThat(relayed).as("the interim response is dropped").containsExactly("head 200", "part data: 1\n\n",
                "part data: 2\n\n");
        assertThat(handler.current()).isNull();
        assertThat(completed).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("request");
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.bytesOut()).isEqualTo(18);
        });
        assertThat(px.pool.acquire(client.eventLoop(), KEY)).as("keep-alive: back in the pool").isSameAs(upstream);
    }

    /** One row: what the client sends next (or the gate opening), and where the request side stands after it. */
    private record RequestStep(String what, Runnable event, RequestWriter.Input input, RequestWriter.Output output,
            List<String> upstreamSees) {}

    @Test
    void aStreamedBodyWaitsInOrderForTheGateThenFlows() {
        List<RequestStep> table = List.of(
                new RequestStep("head", () -> client.writeInbound(post(6)), RequestWriter.Input.RECEIVING,
                        RequestWriter.Output.WAITING, List.of()),
                new RequestStep("first part, gate closed", () -> client.writeInbound(part("abc", false)),
                        RequestWriter.Input.RECEIVING, RequestWriter.Output.WAITING, List.of()),
                new RequestStep("the record is durable", () -> {
                    decision.complete(null);
                    client.runPendingTasks();
                }, RequestWriter.Input.RECEIVING, RequestWriter.Output.HEAD_SENT,
                        List.of("head POST /v1/items auth=" + REAL, "part abc")),
                new RequestStep("last part", () -> client.writeInbound(part("def", true)), RequestWriter.Input.COMPLETE,
                        RequestWriter.Output.SENT, List.of("last def")));
        for (RequestStep step : table) {
            step.event().run();
            Exchange x = exchange();
            assertThat(x.writer.input()).as(step.what()).isEqualTo(step.input());
            assertThat(x.writer.output()).as(step.what()).isEqualTo(step.output());
            assertThat(sentUpstream()).as(step.what()).isEqualTo(step.upstreamSees());
            assertThat(x.writer.body()).isEqualTo(RequestWriter.Body.STREAMED);
        }
    }

    @Test
    void aBrokenChunkBeforeTheHeadWentUpstreamSendsNothingAndAnswers400() {
        DefaultHttpRequest head = post(6);
        head.headers().remove(HttpHeaderNames.CONTENT_LENGTH).set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        client.writeInbound(head);
        Exchange x = exchange();
        LastHttpContent broken = new DefaultLastHttpContent();
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad chunk size")));
        client.writeInbound(broken);

        assertThat(x.writer.input()).isEqualTo(RequestWriter.Input.MALFORMED);
        assertThat(x.state()).isEqualTo(Exchange.State.FAILED);
        FullHttpResponse r = answered();
        assertThat(r).isNotNull();
        assertThat(r.status().code()).isEqualTo(400);
        r.release();
        decision.complete(null);
        client.runPendingTasks();
        assertThat(sentUpstream()).as("even once the gate opens").isEmpty();
    }

    @Test
    void aBrokenChunkAfterTheHeadWentUpstreamClosesTheUpstreamBeforeTheRequestCompletes() {
        credentials = List.of();
        DefaultHttpRequest head = post(6);
        head.headers().remove(HttpHeaderNames.CONTENT_LENGTH).set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        client.writeInbound(head);
        client.writeInbound(part("abc", false));
        Exchange x = exchange();
        assertThat(x.writer.output()).isEqualTo(RequestWriter.Output.HEAD_SENT);
        LastHttpContent broken = new DefaultLastHttpContent();
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad chunk size")));
        client.writeInbound(broken);

        assertThat(sentUpstream()).containsExactly("head POST /v1/items auth=null", "part abc");
        assertThat(upstream.isActive()).as("an aborted request, never a complete one").isFalse();
        assertThat(x.writer.output()).isEqualTo(RequestWriter.Output.HEAD_SENT);
        FullHttpResponse r = answered();
        assertThat(r).isNotNull();
        assertThat(r.status().code()).isEqualTo(400);
        r.release();
    }

    @Test
    void aClientThatGoesAwayAbandonsTheExchangeClosesTheUpstreamAndRecordsOnce() {
        credentials = List.of();
        client.writeInbound(get());
        Exchange x = exchange();
        sentUpstream();
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        upstream.writeInbound(head, part("partial", false));
        client.close();

        assertThat(x.state()).isEqualTo(Exchange.State.ABANDONED);
        assertThat(upstream.isActive()).isFalse();
        assertThat(completed).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("request");
            assertThat(e.bytesOut()).isEqualTo(7);
        });
    }

    @Test
    void aFullResponseCompletesInOneStepAndAnUpstreamThatClosesAfterwardsChangesNothing() {
        credentials = List.of();
        client.writeInbound(get());
        Exchange x = exchange();
        sentUpstream();
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONNECTION, "close");
        upstream.writeInbound(r);

        assertThat(x.relay.state()).isEqualTo(ResponseRelay.State.COMPLETE);
        assertThat(x.state()).isEqualTo(Exchange.State.COMPLETED);
        assertThat(upstream.isActive()).as("the upstream said close: not pooled").isFalse();
        FullHttpResponse out = answered();
        assertThat(out).isNotNull();
        assertThat(out.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("2");
        out.release();
        assertThat(completed).singleElement().satisfies(e -> assertThat(e.status()).isEqualTo(200));
    }

    @Test
    void aWebSocketUpgradeWithAnInjectedCredentialPassesTheSameSendGate() {
        auditClosed = true;
        DefaultFullHttpRequest upgrade = get();
        upgrade.headers().set(HttpHeaderNames.UPGRADE, "websocket").set(HttpHeaderNames.CONNECTION, "Upgrade")
                .set(HttpHeaderNames.SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")
                .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
        client.writeInbound(upgrade);

        assertThat(decisions).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo("decision"));
        FullHttpResponse r = answered();
        assertThat(r).isNotNull();
        assertThat(r.status().code()).isEqualTo(503);
        r.release();
        assertThat(completed).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("denied");
            assertThat(e.errorType()).isEqualTo(ErrorType.AUDIT_UNAVAILABLE.slug());
        });
        assertThat(handler.current()).isNull();
        assertThat(sentUpstream()).isEmpty();
    }

    /** A signer that holds like an approval: the test completes (or watches) its future. */
    private final List<RequestHead> heldHeads = new ArrayList<>();
    private final CompletableFuture<RequestSigner.Signed> held = new CompletableFuture<>();

    private void holdLikeAnApproval() {
        signer = new RequestSigner() {
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
                heldHeads.add(head);
                return held;
            }
        };
    }

    private static DefaultFullHttpRequest upgrade() {
        DefaultFullHttpRequest upgrade = get();
        upgrade.headers().set(HttpHeaderNames.UPGRADE, "websocket").set(HttpHeaderNames.CONNECTION, "Upgrade")
                .set(HttpHeaderNames.SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")
                .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
        return upgrade;
    }

    private WebSocketExchange webSocket() {
        Object cur = handler.current();
        assertThat(cur).isInstanceOf(WebSocketExchange.class);
        return (WebSocketExchange) cur;
    }

    @Test
    void aHeldWebSocketUpgradeWaitsWithoutDialingAndARefusalIsAnsweredWithNothingForwarded() {
        holdLikeAnApproval();
        client.writeInbound(upgrade());
        decision.complete(null);
        client.runPendingTasks();
        WebSocketExchange w = webSocket();
        assertThat(w.state()).isEqualTo(WebSocketExchange.State.HELD);
        assertThat(java.util.Objects.requireNonNull(w.hold()).state()).isEqualTo(UpgradeHold.State.HOLDING);
        assertThat(heldHeads).singleElement().satisfies(h -> {
            assertThat(h.method()).isEqualTo("GET");
            assertThat(h.header("Upgrade")).isEqualTo("websocket");
            assertThat(h.header("Connection")).isEqualTo("upgrade");
            assertThat(h.header("Authorization")).as("the signer sees the head as it will be sent").isEqualTo(REAL);
        });
        assertThat(answered()).as("the client simply waits").isNull();
        assertThat(completed).isEmpty();

        held.completeExceptionally(new RequestSigner.Refused(
                new dev.keyway.proxy.spi.ProxyProblem(ErrorType.APPROVAL_DENIED, "an approver denied it")));
        assertThat(w.state()).as("the answer hops onto the loop").isEqualTo(WebSocketExchange.State.HELD);
        client.runPendingTasks();
        assertThat(w.state()).isEqualTo(WebSocketExchange.State.DONE);
        assertThat(java.util.Objects.requireNonNull(w.hold()).state()).isEqualTo(UpgradeHold.State.REFUSED);
        FullHttpResponse r = answered();
        assertThat(r).isNotNull();
        assertThat(r.status().code()).isEqualTo(403);
        assertThat(r.headers().get("Keyway-Error")).isEqualTo(ErrorType.APPROVAL_DENIED.slug());
        r.release();
        assertThat(completed).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("denied");
            assertThat(e.errorType()).isEqualTo(ErrorType.APPROVAL_DENIED.slug());
        });
        assertThat(handler.current()).isNull();
    }

    @Test
    void aClientThatGoesAwayWhileItsUpgradeIsHeldCancelsTheHold() {
        holdLikeAnApproval();
        client.writeInbound(upgrade());
        decision.complete(null);
        client.runPendingTasks();
        WebSocketExchange w = webSocket();
        assertThat(held).isNotDone();

        client.close();
        client.runPendingTasks();
        assertThat(held).as("the signer learns that nobody waits (a pending approval is cancelled)").isCancelled();
        assertThat(java.util.Objects.requireNonNull(w.hold()).state()).isEqualTo(UpgradeHold.State.ABANDONED);
        assertThat(w.state()).isEqualTo(WebSocketExchange.State.DONE);
    }

    @Test
    void aHeldUpgradeWhoseDecisionCannotBeRecordedIsRefusedAndTheHoldCancelled() {
        holdLikeAnApproval();
        client.writeInbound(upgrade());
        client.runPendingTasks();
        WebSocketExchange w = webSocket();
        assertThat(w.state()).isEqualTo(WebSocketExchange.State.HELD);
        decision.completeExceptionally(new IllegalStateException("disk gone"));
        client.runPendingTasks();
        assertThat(w.state()).isEqualTo(WebSocketExchange.State.DONE);
        assertThat(held).as("the send gate refused: nobody is asked any longer").isCancelled();
        FullHttpResponse r = answered();
        assertThat(r).isNotNull();
        assertThat(r.status().code()).isEqualTo(503);
        r.release();
    }
}
