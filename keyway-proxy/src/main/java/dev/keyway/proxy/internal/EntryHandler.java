package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.netty.HeaderTimeout;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Request entry on a client's plaintext proxy connection. Accepts exactly two request shapes:
 * {@code CONNECT host:port} (authenticated, then intercepted, tunnelled or denied by the policy) and
 * absolute-form {@code http://} requests (authenticated, then handed to the {@link ExchangeHandler}
 * behind it). Everything else gets a problem response: origin-form (not a proxy request),
 * {@code https://} URLs (TLS must never be silently stripped), malformed or oversized heads.
 *
 * <p>A 407 leaves the connection usable when the request was fully read, because clients such as
 * libcurl first try without credentials and retry on the same connection.
 *
 * <p>{@code GET http://healthz.keyway.invalid/healthz} is the proxy's health sentinel
 * ({@link HealthCheck}): answered {@code 200 {"status":"ok"}} before authentication, never forwarded
 * and never audited.
 */
public final class EntryHandler extends ChannelInboundHandlerAdapter {
    private enum State { READY, FORWARDING, DISCARDING, CONNECT_PENDING, SWITCHED }

    private final ProxyContext px;
    private State state = State.READY;
    private @Nullable Runnable afterConnectHead;
    /** Failed authentications on this connection; it closes at the configured number. */
    private int authFailures;

    public EntryHandler(ProxyContext px) {
        this.px = px;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            if (state != State.READY) {
                ReferenceCountUtil.release(msg);
                if (state != State.SWITCHED && state != State.CONNECT_PENDING) {
                    ctx.close(); // a new head inside a body: the codec lost sync
                }
                return;
            }
            try {
                onRequest(ctx, req);
            } catch (RuntimeException e) {
                ReferenceCountUtil.release(msg);
                respond(ctx, Problems.of(ErrorType.INTERNAL, "the proxy failed to handle the request"), Ids.requestId(), false);
            }
            return;
        }
        if (msg instanceof HttpContent c) {
            boolean last = c instanceof LastHttpContent;
            if (c.decoderResult().isFailure() && state != State.FORWARDING) {
                // broken body framing (a forwarded body's failure is the exchange's to answer): the
                // codec cannot find the next request, so nothing more is read on this connection
                c.release();
                afterConnectHead = null;
                state = State.SWITCHED;
                Relay.closeOnFlush(ctx.channel());
                return;
            }
            switch (state) {
                case FORWARDING -> {
                    if (last) {
                        state = State.READY;
                    }
                    ctx.fireChannelRead(c);
                }
                case CONNECT_PENDING -> {
                    c.release();
                    if (last && afterConnectHead != null) {
                        Runnable r = afterConnectHead;
                        afterConnectHead = null;
                        r.run();
                    }
                }
                case DISCARDING -> {
                    c.release();
                    if (last) {
                        state = State.READY;
                    }
                }
                default -> c.release();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
        String id = Ids.requestId();
        HeaderTimeout ht = HeaderTimeout.of(ctx);
        if (ht != null) {
            ht.headReceived();
        }
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            ProxyProblem p = cause instanceof TooLongFrameException
                    ? Problems.of(ErrorType.HEADERS_TOO_LARGE, "the request line or headers exceed the proxy's limits")
                    : Problems.of(ErrorType.MALFORMED_REQUEST, "the request could not be parsed as HTTP/1.1");
            deny(ctx, p, id, null, client, null, "", 0, null, false);
            return;
        }
        if (req.headers().size() > px.config.maxHeaderCount()) {
            deny(ctx, Problems.of(ErrorType.HEADERS_TOO_LARGE,
                    "the request has more than " + px.config.maxHeaderCount() + " header fields"), id, null, client,
                    req.method().name(), "", 0, null, false);
            return;
        }
        if (req.protocolVersion() != HttpVersion.HTTP_1_1 && req.protocolVersion() != HttpVersion.HTTP_1_0) {
            deny(ctx, Problems.of(ErrorType.MALFORMED_REQUEST, "only HTTP/1.x requests are accepted"), id, null, client,
                    null, "", 0, null, false);
            return;
        }
        if (HttpMethod.CONNECT.equals(req.method())) {
            connect(ctx, req, id, client);
            return;
        }
        String uri = req.uri();
        if (uri.startsWith("/") || uri.equals("*")) {
            deny(ctx, Problems.of(ErrorType.ORIGIN_FORM_REJECTED,
                    "this is Keyway's forward proxy: configure it as a proxy (HTTPS_PROXY=http://<token>:<vault>@host:port) "
                            + "instead of sending requests to it directly"), id, null, client, req.method().name(), "", 0,
                    AuditEvents.path(uri), false);
            return;
        }
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            deny(ctx, Problems.of(ErrorType.HTTPS_URL_REJECTED,
                    "https:// URLs must be tunnelled with CONNECT (use HTTPS_PROXY); the proxy never downgrades TLS"), id,
                    null, client, req.method().name(), "", 0, null, false);
            return;
        }
        AbsoluteUrl url = AbsoluteUrl.parseHttp(uri);
        if (url == null) {
            deny(ctx, Problems.of(ErrorType.MALFORMED_REQUEST, "the request target is not a valid absolute http:// URL"), id,
                    null, client, req.method().name(), "", 0, null, false);
            return;
        }
        if (HealthCheck.isSentinel(url)) {
            health(ctx, req, url, id);
            return;
        }
        ProxyPrincipal principal = authenticate(ctx, req, id, client, url.authority().host(), url.authority().port());
        if (principal == null) {
            return;
        }
        ExchangeHandler exchange = ctx.pipeline().get(ExchangeHandler.class);
        if (exchange == null) {
            deny(ctx, Problems.of(ErrorType.INTERNAL, "the proxy cannot forward this request"), id, principal, client,
                    req.method().name(), url.authority().host(), url.authority().port(), null, false);
            return;
        }
        req.setUri(url.pathAndQuery());
        req.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        Target t = new Target("http", url.authority(), principal, client);
        PrincipalWatch.watch(px, ctx.channel(), t, id, "http");
        exchange.target(t);
        state = State.FORWARDING;
        ctx.fireChannelRead(req);
    }

    /** Answers the health sentinel locally: no authentication needed, no audit record, nothing forwarded. */
    private void health(ChannelHandlerContext ctx, HttpRequest req, AbsoluteUrl url, String id) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        var response = HealthCheck.response(req, url, id, keepAlive, ctx.alloc());
        ReferenceCountUtil.release(req);
        if (keepAlive) {
            state = req instanceof LastHttpContent ? State.READY : State.DISCARDING;
            HeaderTimeout ht = HeaderTimeout.of(ctx);
            if (ht != null) {
                ht.awaitNext();
            }
            ctx.writeAndFlush(response);
        } else {
            state = State.SWITCHED;
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Authenticates; on rejection answers 407 and returns null. The connection stays usable for a
     * retry (libcurl and git first try without credentials) until its {@code perConnection}-th
     * failure. A wrong token is charged to the client address (the API login's limiter); beyond the
     * burst, failures get 429 {@code rate-limited} and the connection closes. Valid tokens are never
     * refused by the throttle: every local agent shares the loopback address, and one agent looping
     * on a revoked token must not lock the others out (tokens are 256-bit: the throttle bounds what
     * failures cost, not the odds of a guess). Failures are audited in aggregate
     * ({@link AuthFailureAudit}).
     */
    private @Nullable ProxyPrincipal authenticate(ChannelHandlerContext ctx, HttpRequest req, String id,
            InetSocketAddress client, String host, int port) {
        AuthResult auth = px.policy.authenticate(req.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION), client);
        return switch (auth) {
            case AuthResult.Authenticated a -> a.principal();
            case AuthResult.Rejected r -> {
                authFailures++;
                ProxyProblem p = r.problem();
                boolean keepAlive = HttpUtil.isKeepAlive(req) && authFailures < px.config.authFailures().perConnection();
                // a missing header is the normal first step of a client, not a guess: never charged
                long wait = p.type() == ErrorType.PROXY_AUTH_REQUIRED || client.getAddress() == null
                        ? 0 : px.authThrottle.tryAcquire(client.getAddress());
                if (wait > 0) {
                    p = new ProxyProblem(ErrorType.RATE_LIMITED, "too many failed proxy authentications from this "
                            + "address; retry in " + wait + " s with a valid token",
                            java.util.Map.of(Problems.RETRY_AFTER, wait));
                    keepAlive = false;
                }
                px.authAudit.failure(id, client, req.method().name(), host, port, p, r.reason(), r.tokenId());
                respond(ctx, p, id, keepAlive, p.status() == 407 ? r.reason().reasonPhrase() : null);
                yield null;
            }
        };
    }

    private void connect(ChannelHandlerContext ctx, HttpRequest req, String id, InetSocketAddress client) {
        Authority target = Authority.parse(req.uri(), 443);
        if (target == null) {
            deny(ctx, Problems.of(ErrorType.MALFORMED_REQUEST, "CONNECT needs a host:port target"), id, null, client,
                    "CONNECT", "", 0, null, false);
            return;
        }
        ProxyPrincipal principal = authenticate(ctx, req, id, client, target.host(), target.port());
        if (principal == null) {
            return;
        }
        ConnectDecision decision = px.policy.onConnect(principal, target.host(), target.port());
        Target t = new Target("https", target, principal, client);
        switch (decision) {
            case ConnectDecision.Deny d when d.delivery() == ConnectDecision.Delivery.IN_TUNNEL -> {
                // audited once, now; the answer inside the tunnel adds no record
                px.audit.completed(AuditEvents.denied(id, principal, client, "CONNECT", target.host(), target.port(),
                        null, null, d.problem().status(), d.problem().type().slug()));
                ctx.channel().config().setAutoRead(false);
                state = State.CONNECT_PENDING;
                afterConnectHead = () -> denyInTunnel(ctx, t, id, d.problem());
            }
            case ConnectDecision.Deny d -> deny(ctx, d.problem(), id, principal, client, "CONNECT", target.host(),
                    target.port(), null, false);
            case ConnectDecision.Intercept i -> {
                PrincipalWatch.watch(px, ctx.channel(), t, id, "intercept");
                ctx.channel().config().setAutoRead(false);
                state = State.CONNECT_PENDING;
                afterConnectHead = () -> intercept(ctx, t, id);
            }
            case ConnectDecision.Tunnel tu -> {
                PrincipalWatch.watch(px, ctx.channel(), t, id, "tunnel");
                ctx.channel().config().setAutoRead(false);
                state = State.CONNECT_PENDING;
                afterConnectHead = () -> tunnel(ctx, t, id);
            }
        }
    }

    private static DefaultFullHttpResponse established() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, new HttpResponseStatus(200, "Connection Established"));
    }

    /** Replies 200, then turns this connection into a TLS server for the target host. */
    private void intercept(ChannelHandlerContext ctx, Target t, String id) {
        state = State.SWITCHED;
        Channel ch = ctx.channel();
        ctx.writeAndFlush(established());
        TunnelSession s = new TunnelSession(t, "intercept", ch, id);
        PrincipalWatch.attach(ch, s);
        ChannelPipeline p = ch.pipeline();
        Intercept.install(px, p, s);
        removeHttpHandlers(p);
        px.tunnelOpened(true);
        ch.closeFuture().addListener(f -> {
            px.tunnelClosed(true);
            closeSharedUpstream(s);
            auditTunnel(s);
        });
        ch.config().setAutoRead(true);
    }

    /**
     * Replies 200 to a denied CONNECT, then answers the first request inside with the problem and
     * closes ({@link DeniedTunnel}): clients show a response's body, never a refused CONNECT's. No
     * upstream connection is opened; the connection lives at most twice the header read timeout.
     */
    private void denyInTunnel(ChannelHandlerContext ctx, Target t, String id, ProxyProblem problem) {
        state = State.SWITCHED;
        Channel ch = ctx.channel();
        ctx.writeAndFlush(established());
        TunnelSession s = new TunnelSession(t, "deny", ch, id);
        s.denial = problem;
        ChannelPipeline p = ch.pipeline();
        DeniedTunnel.install(px, p, s);
        removeHttpHandlers(p);
        var cap = ch.eventLoop().schedule(() -> ch.close(), px.config.headerReadTimeout().toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> cap.cancel(false));
        ch.config().setAutoRead(true);
    }

    /**
     * Dials the (vetted) target first so that failures can still be answered (inside the tunnel, as a
     * denied CONNECT: see {@link #denyInTunnel}), then relays bytes.
     */
    private void tunnel(ChannelHandlerContext ctx, Target t, String id) {
        state = State.SWITCHED;
        Channel ch = ctx.channel();
        px.connector.connectTcp(ch.eventLoop(), t.host(), t.port()).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                ProxyProblem p = UpstreamFailure.problemOf(f.cause(), t.host(), t.port());
                px.audit.completed(AuditEvents.denied(id, t.principal(), t.client(), "CONNECT", t.host(), t.port(), null,
                        null, p.status(), p.type().slug()));
                if (!ch.isActive()) {
                    return;
                }
                if (ConnectDecision.Delivery.forProblem(p) == ConnectDecision.Delivery.IN_TUNNEL) {
                    denyInTunnel(ctx, t, id, p); // e.g. private-address-blocked: shown by the client, as a deny
                } else {
                    ch.writeAndFlush(Problems.response(p, id, false, ch.alloc())).addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            Channel upstream = f.getNow();
            if (!ch.isActive()) {
                upstream.close();
                return;
            }
            TunnelSession s = new TunnelSession(t, "tunnel", ch, id);
            PrincipalWatch.attach(ch, s);
            px.tunnelOpened(false);
            ch.closeFuture().addListener(cf -> {
                px.tunnelClosed(false);
                upstream.close();
                auditTunnel(s);
            });
            ch.writeAndFlush(established()).addListener((ChannelFutureListener) wf -> {
                if (!wf.isSuccess()) {
                    ch.close();
                    return;
                }
                ChannelPipeline p = ch.pipeline();
                p.addLast("relay", new Relay(upstream, n -> s.bytesIn += n));
                removeHttpHandlers(p);
                upstream.pipeline().addLast("relay", new Relay(ch, n -> s.bytesOut += n));
            });
        });
    }

    private void removeHttpHandlers(ChannelPipeline p) {
        if (p.get("idle") != null) {
            p.replace("idle", "idle", new IdleCloser(px.config.tunnelIdleTimeout()));
        }
        RequestSequencer.allowHalfClosure(p.channel(), false); // a tunnel ends with the connection
        for (String name : new String[] {"hdr-timeout", "expect", "seq", "exchange"}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        p.remove(this);
        p.remove("codec");
    }

    /** The HTTP/2 upstream connection an h2 client's streams shared dies with the tunnel. */
    private static void closeSharedUpstream(TunnelSession s) {
        Future<UpstreamConnector.UpstreamConn> h2 = s.h2Upstream;
        s.h2Upstream = null;
        if (h2 != null) {
            h2.addListener(f -> {
                if (f.isSuccess() && h2.getNow().h2()) {
                    h2.getNow().channel().close();
                }
            });
        }
    }

    private void auditTunnel(TunnelSession s) {
        Target t = s.target;
        px.audit.completed(new AuditEvents.Base("connect", s.requestId, t.principal(), t.client(), "CONNECT", t.host(),
                t.port(), null, null, java.util.List.of(), s.mode)
                .with("connect", 200, s.bytesIn, s.bytesOut, AuditEvents.millisSince(s.startNanos), s.closeError));
    }

    /**
     * Answers with a problem and records the denial. With {@code keepAlive} the connection stays open
     * (any request body is discarded first); otherwise it closes after the response.
     */
    private void deny(ChannelHandlerContext ctx, ProxyProblem p, String id, @Nullable ProxyPrincipal principal,
            InetSocketAddress client, @Nullable String method, String host, int port, @Nullable String path,
            boolean keepAlive) {
        px.audit.completed(AuditEvents.denied(id, principal, client, method, host, port, path, null, p.status(),
                p.type().slug()));
        respond(ctx, p, id, keepAlive);
    }

    private void respond(ChannelHandlerContext ctx, ProxyProblem p, String id, boolean keepAlive) {
        respond(ctx, p, id, keepAlive, null);
    }

    /** @param reasonPhrase the status line's reason phrase, null for the standard one */
    private void respond(ChannelHandlerContext ctx, ProxyProblem p, String id, boolean keepAlive,
            @Nullable String reasonPhrase) {
        if (keepAlive) {
            state = State.DISCARDING;
            HeaderTimeout ht = HeaderTimeout.of(ctx);
            if (ht != null) {
                ht.awaitNext();
            }
            ctx.writeAndFlush(Problems.response(p, id, true, ctx.alloc(), reasonPhrase));
        } else {
            state = State.SWITCHED; // ignore anything else on this connection
            ctx.writeAndFlush(Problems.response(p, id, false, ctx.alloc(), reasonPhrase))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
