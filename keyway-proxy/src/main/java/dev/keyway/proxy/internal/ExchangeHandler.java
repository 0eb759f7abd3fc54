package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.netty.HeaderTimeout;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Per-request decisions on one client stream: an HTTP/1.1 connection (inside an intercepted tunnel,
 * or a plain proxy connection carrying absolute-form {@code http://} requests) or one HTTP/2 stream.
 * It enforces that the tunnel target, the SNI and the Host header agree, re-checks that the token
 * is still active, asks the policy, and either answers locally (problem + audit) or starts an
 * {@link Exchange} that forwards the request. Requests on an HTTP/1.1 connection are handled one at
 * a time: reading pauses while an exchange finishes.
 */
public final class ExchangeHandler extends ChannelInboundHandlerAdapter {
    final ProxyContext px;
    final @Nullable TunnelSession session;
    final boolean h2Stream;
    private @Nullable Target target;
    private @Nullable Object current;
    private boolean discarding;
    private boolean closeWhenDrained;

    ExchangeHandler(ProxyContext px, @Nullable TunnelSession session, boolean h2Stream) {
        this.px = px;
        this.session = session;
        this.h2Stream = h2Stream;
        this.target = session == null ? null : session.target;
    }

    /** Plain-proxy mode: the entry handler sets the target of the request it is about to pass on. */
    void target(Target t) {
        this.target = t;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            if (current != null || discarding) {
                ReferenceCountUtil.release(msg);
                ctx.close(); // cannot happen: RequestSequencer hands over one request at a time
                return;
            }
            try {
                onRequest(ctx, req);
            } catch (RuntimeException e) {
                ReferenceCountUtil.release(msg);
                current = null;
                answer(ctx, Problems.of(ErrorType.INTERNAL, "the proxy failed to handle the request"), Ids.requestId(),
                        false, true);
            }
            return;
        }
        if (msg instanceof HttpContent c) {
            Object cur = current;
            if (cur instanceof Exchange e && e.wantsRequestBody()) {
                e.clientContent(c);
            } else if (cur instanceof WebSocketExchange w) {
                w.clientContent(c);
            } else {
                c.release();
                if (c.decoderResult().isFailure()) {
                    // broken body framing: the codec cannot find the next request; whatever was answered
                    // is flushed, then the connection closes
                    discarding = false;
                    Relay.closeOnFlush(ctx.channel());
                    return;
                }
                if (c instanceof LastHttpContent) {
                    discarding = false;
                    if (closeWhenDrained) {
                        // the client has sent everything: it will read the answer, not a reset
                        ctx.executor().schedule(() -> ctx.close(), 200, java.util.concurrent.TimeUnit.MILLISECONDS);
                    }
                }
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
        String id = Ids.requestId();
        HeaderTimeout ht = HeaderTimeout.of(ctx);
        if (ht != null) {
            ht.headReceived();
        }
        boolean full = req instanceof LastHttpContent;
        boolean keepAlive = h2Stream || HttpUtil.isKeepAlive(req);
        Target t = target;
        if (t == null) {
            ReferenceCountUtil.release(req);
            ctx.close();
            return;
        }
        String method = req.method().name();
        if (req.decoderResult().isFailure()) {
            ProxyProblem p = req.decoderResult().cause() instanceof TooLongFrameException
                    ? Problems.of(ErrorType.HEADERS_TOO_LARGE, "the request line or headers exceed the proxy's limits")
                    : Problems.of(ErrorType.MALFORMED_REQUEST, "the request could not be parsed");
            deny(ctx, req, t, id, p, null, false);
            return;
        }
        if (req.headers().size() > px.config.maxHeaderCount()) {
            deny(ctx, req, t, id, Problems.of(ErrorType.HEADERS_TOO_LARGE,
                    "the request has more than " + px.config.maxHeaderCount() + " header fields"), null, false);
            return;
        }
        String uri = req.uri();
        if (!uri.startsWith("/")) {
            AbsoluteUrl u = AbsoluteUrl.parse(uri);
            if (u == null || session == null) {
                deny(ctx, req, t, id, Problems.of(ErrorType.MALFORMED_REQUEST, "the request target is not a path"), null,
                        false);
                return;
            }
            if (!u.authority().equals(t.authority())) {
                deny(ctx, req, t, id, Problems.of(ErrorType.HOST_MISMATCH, "the request URL names " + u.authority()
                        + " but this tunnel was opened to " + t.authority()), null, keepAlive);
                return;
            }
            uri = u.pathAndQuery();
            req.setUri(uri);
        }
        if (duplicateHost(req.headers().getAll(HttpHeaderNames.HOST))) {
            // RFC 9112 §3.2: 400; two Host fields could each be read by a different hop
            deny(ctx, req, t, id, Problems.of(ErrorType.MALFORMED_REQUEST, "the request has more than one Host header"),
                    null, false);
            return;
        }
        if (session != null) {
            session.requests++;
            if (session.sniMismatch) {
                deny(ctx, req, t, id, Problems.of(ErrorType.HOST_MISMATCH, "the TLS server name " + session.sni
                        + " does not match the CONNECT target " + t.host()), null, keepAlive);
                return;
            }
            String host = req.headers().get(HttpHeaderNames.HOST);
            if (host != null && !t.authority().matchesHostHeader(host, t.defaultPort())) {
                deny(ctx, req, t, id, Problems.of(ErrorType.HOST_MISMATCH, "the Host header names "
                        + abbreviate(host) + " but this tunnel was opened to " + t.authority()), null, keepAlive);
                return;
            }
        }
        if (!px.policy.isActive(t.principal())) {
            deny(ctx, req, t, id, Problems.of(ErrorType.PROXY_AUTH_INVALID,
                    "the proxy token is no longer valid (revoked or expired)"), null, false);
            if (session != null) {
                session.closeError = ErrorType.PROXY_AUTH_INVALID.slug();
                session.clientChannel.close();
            }
            return;
        }
        RequestHead head = new RequestHead(t.scheme(), t.host(), t.port(), method, uri,
                HopByHop.toHeaderList(req.headers()));
        RequestDecision decision = px.policy.onRequest(t.principal(), head);
        switch (decision) {
            case RequestDecision.Deny d -> deny(ctx, req, t, id, d.problem(), d.service(), keepAlive);
            case RequestDecision.Forward f -> {
                if (!h2Stream && WebSocketExchange.isUpgrade(req)) {
                    WebSocketExchange w = new WebSocketExchange(this, ctx, t, f, id, uri);
                    current = w;
                    ReferenceCountUtil.release(req);
                    w.start();
                    return;
                }
                Exchange e = new Exchange(this, ctx, t, req, f, id, keepAlive);
                current = e;
                ReferenceCountUtil.release(req);
                e.start();
            }
        }
    }

    /**
     * More than one Host field. On an HTTP/2 stream the codec turns {@code :authority} into a Host
     * field, so a client that also sends {@code host} has two: refused only when they differ.
     */
    private boolean duplicateHost(List<String> hosts) {
        if (hosts.size() < 2) {
            return false;
        }
        if (!h2Stream) {
            return true;
        }
        for (String h : hosts) {
            if (!h.equalsIgnoreCase(hosts.get(0))) {
                return true;
            }
        }
        return false;
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    private void deny(ChannelHandlerContext ctx, HttpRequest req, Target t, String id, ProxyProblem p,
            @Nullable String service, boolean keepAlive) {
        px.audit.completed(AuditEvents.denied(id, t.principal(), t.client(), req.method().name(), t.host(), t.port(),
                req.uri(), service, p.status(), p.type().slug()));
        boolean full = req instanceof LastHttpContent;
        ReferenceCountUtil.release(req);
        answer(ctx, p, id, keepAlive, full);
    }

    /** Writes a locally generated problem; keeps the stream for the next request when allowed. */
    void answer(ChannelHandlerContext ctx, ProxyProblem p, String id, boolean keepAlive, boolean requestComplete) {
        discarding = !requestComplete;
        var response = Problems.response(p, id, keepAlive || h2Stream, ctx.alloc());
        if (h2Stream) {
            ctx.writeAndFlush(response);
            return;
        }
        if (keepAlive) {
            ctx.writeAndFlush(response);
            HeaderTimeout ht = HeaderTimeout.of(ctx);
            if (ht != null) {
                ht.awaitNext();
            }
        } else if (!requestComplete) {
            // The client may still be sending the body (e.g. 413 before the upload ends): keep reading
            // and discarding it until it ends (bounded), so the client reads this answer, not a reset.
            closeWhenDrained = true;
            ctx.writeAndFlush(response);
            ctx.executor().schedule(() -> ctx.close(), 30, java.util.concurrent.TimeUnit.SECONDS);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The exchange (or WebSocket upgrade) in progress on this stream, or null. */
    @Nullable Object current() {
        return current;
    }

    /** Called by the current exchange when it is over. */
    void exchangeDone(Object exchange, boolean closeClient) {
        if (current != exchange) {
            return;
        }
        current = null;
        ChannelHandlerContext c = ctxOrNull;
        if (c == null) {
            return;
        }
        if (closeClient) {
            if (h2Stream) {
                c.close();
            } else {
                Relay.closeOnFlush(c.channel());
            }
            return;
        }
        if (!h2Stream) {
            HeaderTimeout ht = HeaderTimeout.of(c);
            if (ht != null) {
                ht.awaitNext();
            }
            c.channel().config().setAutoRead(true);
        }
    }

    private @Nullable ChannelHandlerContext ctxOrNull;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctxOrNull = ctx;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Object cur = current;
        if (cur instanceof Exchange e) {
            e.clientClosed();
        } else if (cur instanceof WebSocketExchange w) {
            w.clientClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current instanceof Exchange e) {
            e.clientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
