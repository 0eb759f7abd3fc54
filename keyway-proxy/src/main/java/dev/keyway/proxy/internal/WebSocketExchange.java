package dev.keyway.proxy.internal;


import dev.keyway.core.error.ErrorType;
import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.inject.Redactions;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import dev.keyway.proxy.spi.TextRewriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket upgrade inside an HTTP/1.1 client stream: the (injected) upgrade request goes to a
 * fresh upstream connection (ALPN {@code http/1.1}), the 101 is relayed, then both connections
 * switch to a relay. When the policy supplies a {@link TextRewriter}, both legs get frame codecs
 * (the client leg expects masked frames, the upstream leg masks) and complete, unfragmented client
 * text frames are rewritten; {@code Sec-WebSocket-Extensions} is dropped so frames are uncompressed.
 *
 * <p>When the policy forwards with a {@link RequestSigner} (a human approval, a linked credential's
 * first fetch, a signature), the upgrade request is held by an {@link UpgradeHold} exactly like a
 * plain request: nothing is written upstream until the signer answered with the final headers, and
 * a signer that {@linkplain RequestSigner#holds() holds for long} is answered before the upstream
 * is even dialed. The send gate still decides the first byte upstream.
 */
final class WebSocketExchange implements UpstreamListener, SendGate.Listener, UpgradeHold.Listener {
    private static final int MAX_FRAME = 16 * 1024 * 1024;

    /** How the upgrade stands; {@link #DONE} ignores every later event. */
    enum State {
        /** The policy's signer holds the upgrade request (an approval, a first fetch): nothing written upstream. */
        HELD,
        /** The upgrade request waits for the send gate and the upstream connection. */
        CONNECTING,
        /** The upgrade request went upstream; its response is awaited (and relayed when it is not a 101). */
        SENT,
        /** The 101 was relayed; the relay starts once its (empty) rest arrived. */
        SWITCHING,
        /** Both connections are a frame relay; the audit record is written when they close. */
        RELAYING,
        /** Recorded: answered, failed, or the client went away. */
        DONE
    }

    private final ExchangeHandler owner;
    private final ChannelHandlerContext ctx;
    private final ProxyContext px;
    private final Target target;
    private final RequestDecision.Forward fwd;
    private final String requestId;
    private final AuditEvents.Base audit;
    private final long startNanos = System.nanoTime();
    private final SendGate gate;
    private final @Nullable UpgradeHold hold;
    /** The upgrade request's headers and target as they will be sent: the signer's once it answered. */
    private List<HttpHead.Header> headers;
    private String pathAndQuery;
    private @Nullable Channel upstream;
    private State state = State.CONNECTING;
    private int status;
    private long bytesIn;
    private long bytesOut;
    /** Echoes replaced in the upgrade response's headers. */
    private long headerRedactions;
    /** The scan of server-to-client frames, when the upgrade request received a credential (and redaction is on). */
    private @Nullable WebSocketRedaction redaction;
    /**
     * The values the upgrade request carries, scanned for in the answer and the frames: the
     * decision's, or the ones a hold's signer placed once it had them (a cold linked credential).
     */
    private Redactions echoes;
    /** The scan of a non-101 answer's body (when redacting). */
    private @Nullable ResponseScan bodyScan;

    WebSocketExchange(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, RequestDecision.Forward fwd,
            String requestId, String clientTarget) {
        this.owner = owner;
        this.ctx = ctx;
        this.px = owner.px;
        this.target = target;
        this.fwd = fwd;
        this.echoes = fwd.echoes();
        this.requestId = requestId;
        TunnelSession s = owner.session;
        this.audit = new AuditEvents.Base("request", requestId, target.principal(), target.client(), "GET",
                target.host(), target.port(), clientTarget, fwd.service(), fwd.credentials(),
                s == null ? "websocket" : s.mode + "+websocket");
        this.gate = new SendGate(this, ctx.channel().eventLoop());
        RequestSigner sg = fwd.signer();
        this.hold = sg == null ? null : new UpgradeHold(sg, this, ctx.channel().eventLoop());
        this.headers = fwd.head().headers();
        this.pathAndQuery = fwd.head().pathAndQuery();
    }

    State state() {
        return state;
    }

    @Nullable UpgradeHold hold() {
        return hold;
    }

    static boolean isUpgrade(HttpRequest req) {
        String up = req.headers().get(HttpHeaderNames.UPGRADE);
        return up != null && up.equalsIgnoreCase("websocket") && HttpMethod.GET.equals(req.method());
    }

    void start() {
        ctx.channel().config().setAutoRead(false);
        if (!gate.start(px, audit, fwd.injected())) {
            return;
        }
        UpgradeHold h = hold;
        if (h != null) {
            state = State.HELD;
            h.start(new RequestHead(target.scheme(), target.host(), target.port(), "GET", pathAndQuery,
                    HopByHop.toHeaderList(upgradeHeaders())));
            if (h.dialsLater()) {
                return; // a hold may last minutes: dialed once the signer answered (holdReleased)
            }
        }
        connect();
    }

    private void connect() {
        EventLoop loop = ctx.channel().eventLoop();
        UpstreamPool.Key key = new UpstreamPool.Key(target.tls(), target.host(), target.port(), false);
        px.connector.connectHttp(loop, key).addListener((Future<UpstreamConnector.UpstreamConn> f) -> {
            if (!f.isSuccess()) {
                fail(UpstreamFailure.problemOf(f.cause(), target.host(), target.port()));
                return;
            }
            Channel ch = f.getNow().channel();
            if (state == State.DONE || !ctx.channel().isActive()) {
                ch.close();
                return;
            }
            upstream = ch;
            if (!UpstreamHandler.attach(ch, this)) {
                fail(UpstreamHandler.unusable());
                return;
            }
            maybeSend();
        });
    }

    @Override
    public void gateOpened() {
        maybeSend();
    }

    @Override
    public void gateRefused(ProxyProblem p) {
        fail(p);
    }

    /** The signer let the upgrade go: its headers (and target) are the ones sent. */
    @Override
    public void holdReleased(RequestSigner.Signed signed) {
        if (state != State.HELD) {
            signed.echoes().close();
            return;
        }
        if (echoes.isEmpty()) {
            echoes = signed.echoes(); // fetched by the hold: the answer and the frames are scanned for them
        } else {
            signed.echoes().close(); // the upgrade carried one credential set; keep the first
        }
        if (signed.body() != null) {
            fail(Problems.of(ErrorType.INTERNAL, "a WebSocket upgrade has no body to rewrite"));
            return;
        }
        headers = signed.headers();
        String t = signed.pathAndQuery();
        if (t != null) {
            pathAndQuery = t;
        }
        state = State.CONNECTING;
        UpgradeHold h = hold;
        if (h != null && h.dialsLater()) {
            connect();
        } else {
            maybeSend();
        }
    }

    @Override
    public void holdRefused(ProxyProblem p) {
        fail(p);
    }

    /** The upgrade request's headers as sent: hop-by-hop fields out, the upgrade and Host set by the proxy. */
    private HttpHeaders upgradeHeaders() {
        HttpHeaders h = new DefaultHttpHeaders();
        HopByHop.copyInto(headers, h);
        HopByHop.strip(h, true);
        h.set(HttpHeaderNames.HOST, target.authority().hostHeader(target.defaultPort()));
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        if (fwd.webSocketText() != null || !echoes.isEmpty()) {
            h.remove(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS); // frames are rewritten or scanned: uncompressed
        }
        return h;
    }

    /** Sends the upgrade request once released by the hold (if any), the send gate is open and the upstream is there. */
    private void maybeSend() {
        Channel up = upstream;
        if (state != State.CONNECTING || up == null || !gate.mayForward()) {
            return;
        }
        state = State.SENT;
        up.writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, pathAndQuery,
                Unpooled.EMPTY_BUFFER, upgradeHeaders(), new DefaultHttpHeaders()));
        up.config().setAutoRead(true);
    }

    /** The upgrade request has no body; anything else from the client before the switch is dropped. */
    void clientContent(HttpContent c) {
        c.release();
    }

    @Override
    public void upstreamRead(Object msg) {
        if (state == State.DONE) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse r) {
            status = r.status().code();
            HttpHeaders h = r.headers().copy();
            boolean upgrade = status == 101;
            HopByHop.strip(h, upgrade);
            HopByHop.stripKeyway(h);
            h.remove(HttpHeaderNames.SET_COOKIE);
            if (!echoes.isEmpty()) {
                headerRedactions += ResponseScan.scanHeaders(h, echoes);
            }
            if (upgrade) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
                state = State.SWITCHING;
            } else {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                if (!echoes.isEmpty() && status != 204 && status != 304) {
                    // a refused upgrade (401 quoting the token) is scanned as any response body is (204/304 have none)
                    ResponseScan.Coding coding = ResponseScan.coding(h);
                    if (coding == ResponseScan.Coding.UNSCANNABLE) {
                        ReferenceCountUtil.release(r);
                        status = 0;
                        fail(Problems.of(ErrorType.RESPONSE_UNSCANNABLE, target.authority() + " answered the WebSocket"
                                + " upgrade in a content coding Keyway cannot decode to scan for echoed credentials"));
                        return;
                    }
                    bodyScan = new ResponseScan(echoes, coding, ctx.alloc());
                    h.remove(HttpHeaderNames.CONTENT_LENGTH);
                    h.remove(HttpHeaderNames.CONTENT_ENCODING);
                }
                if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
            ReferenceCountUtil.release(r);
            ctx.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), h));
            if (msg instanceof LastHttpContent) {
                afterResponse();
            }
            return;
        }
        if (msg instanceof HttpContent c) {
            boolean last = c instanceof LastHttpContent;
            ResponseScan sc = bodyScan;
            if (state == State.SWITCHING) {
                c.release();
            } else if (sc != null) {
                ByteBuf out;
                try {
                    out = sc.process(c.content().retain(), last);
                } catch (RuntimeException corrupt) {
                    ctx.close(); // a corrupt coded body: the client's response is cut, never passed on unscanned
                    return;
                } finally {
                    c.release();
                }
                ctx.writeAndFlush(last ? new DefaultLastHttpContent(out) : new DefaultHttpContent(out));
            } else {
                ctx.writeAndFlush(c);
            }
            if (last) {
                afterResponse();
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void afterResponse() {
        if (state == State.SWITCHING) {
            switchToRelay();
            return;
        }
        state = State.DONE;
        ResponseScan sc = bodyScan;
        bodyScan = null;
        if (sc != null) {
            headerRedactions += sc.redactions();
            sc.close();
        }
        px.audit.completed(audit.with("request", status, 0, 0, AuditEvents.millisSince(startNanos), null,
                echoes.isEmpty() ? -1 : headerRedactions));
        echoes.close();
        Channel up = upstream;
        if (up != null) {
            up.close();
        }
        owner.exchangeDone(this, true);
    }

    private void switchToRelay() {
        Channel client = ctx.channel();
        Channel up = upstream;
        if (up == null) {
            return;
        }
        state = State.RELAYING;
        ChannelPipeline cp = client.pipeline();
        ChannelPipeline upp = up.pipeline();
        upp.remove("upstream");
        TextRewriter rw = fwd.webSocketText();
        boolean redact = !echoes.isEmpty();
        if (rw != null || redact) {
            // with redaction the decoder lets RSV bits through, so that WebSocketRedaction refuses them with 1011
            upp.addLast("ws-dec", new WebSocket08FrameDecoder(false, redact, MAX_FRAME));
            cp.addLast("ws-enc", new WebSocket08FrameEncoder(false));
        }
        if (rw != null) {
            upp.addLast("ws-enc", new WebSocket08FrameEncoder(true));
            cp.addLast("ws-dec", new WebSocket08FrameDecoder(true, false, MAX_FRAME));
            cp.addLast("ws-rewrite", new TextFrameRewriter(rw, px.config.maxWebSocketRewriteFrame()));
        }
        if (redact) {
            WebSocketRedaction r = new WebSocketRedaction(echoes, client);
            redaction = r;
            upp.addLast("ws-redact", r);
        }
        upp.addLast("relay", new Relay(client, n -> bytesOut += n));
        cp.addLast("relay", new Relay(up, n -> bytesIn += n));
        if (cp.get("idle") != null) {
            cp.replace("idle", "idle", new IdleCloser(px.config.tunnelIdleTimeout()));
        }
        RequestSequencer.allowHalfClosure(client, false); // the relay ends with the connection
        for (String name : new String[] {"hdr-timeout", "expect", "seq", "entry"}) {
            if (cp.get(name) != null) {
                cp.remove(name);
            }
        }
        cp.remove(owner);
        cp.remove("codec");
        upp.remove("codec");
        client.closeFuture().addListener(f -> {
            up.close();
            finish();
        });
        up.closeFuture().addListener(f -> Relay.closeOnFlush(client));
    }

    private void finish() {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        WebSocketRedaction r = redaction;
        boolean refused = r != null && r.state() == WebSocketRedaction.State.REFUSED;
        long redactions = echoes.isEmpty() ? -1 : headerRedactions + (r == null ? 0 : r.redactions());
        px.audit.completed(audit.with("request", status, bytesIn, bytesOut, AuditEvents.millisSince(startNanos),
                refused ? ErrorType.RESPONSE_UNSCANNABLE.slug() : null, redactions));
        closeScans();
    }

    /** The exchange ended: a body scan still open is released and the injected values are wiped. */
    private void closeScans() {
        ResponseScan sc = bodyScan;
        bodyScan = null;
        if (sc != null) {
            sc.close();
        }
        echoes.close();
    }

    private void fail(ProxyProblem p) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        closeScans();
        abandonHold();
        Channel up = upstream;
        if (up != null) {
            up.close();
        }
        if (status == 0) {
            px.audit.completed(AuditEvents.denied(requestId, target.principal(), target.client(), "GET", target.host(),
                    target.port(), audit.pathAndQuery(), fwd.service(), p.status(), p.type().slug()));
            owner.answer(ctx, p, requestId, false, true);
            owner.exchangeDone(this, false);
        } else {
            owner.exchangeDone(this, true);
        }
    }

    void clientClosed() {
        if (state != State.RELAYING) {
            abandonHold(); // a pending approval learns that nobody waits
            Channel up = upstream;
            if (up != null) {
                up.close();
            }
            finish();
        }
    }

    private void abandonHold() {
        UpgradeHold h = hold;
        if (h != null) {
            h.abandon();
        }
    }

    @Override
    public void upstreamInactive() {
        if (state != State.RELAYING) {
            fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR,
                    target.authority() + " closed the connection during the WebSocket handshake"));
        }
    }

    @Override
    public void upstreamError(Throwable cause) {
        if (state != State.RELAYING) {
            fail(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, target.authority() + " WebSocket handshake failed"));
        }
    }

    @Override
    public void upstreamWritabilityChanged(boolean writable) {}

    /** Rewrites complete, unfragmented client text frames up to a size limit; passes everything else. */
    private static final class TextFrameRewriter extends ChannelInboundHandlerAdapter {
        private final TextRewriter rewriter;
        private final int max;
        private boolean inFragmentedMessage;

        TextFrameRewriter(TextRewriter rewriter, int max) {
            this.rewriter = rewriter;
            this.max = max;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame t) {
                if (!t.isFinalFragment()) {
                    inFragmentedMessage = true;
                } else if (!inFragmentedMessage && t.content().readableBytes() <= max) {
                    String out;
                    try {
                        out = rewriter.rewrite(t.text());
                    } catch (RuntimeException e) {
                        t.release();
                        ctx.close();
                        return;
                    }
                    TextWebSocketFrame n = new TextWebSocketFrame(true, t.rsv(), out);
                    t.release();
                    ctx.fireChannelRead(n);
                    return;
                }
            } else if (msg instanceof ContinuationWebSocketFrame c && c.isFinalFragment()) {
                inFragmentedMessage = false;
            }
            ctx.fireChannelRead(msg);
        }
    }
}
