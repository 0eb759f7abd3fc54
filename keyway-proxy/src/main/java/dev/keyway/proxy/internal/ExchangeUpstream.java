package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.RequestDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * The upstream-connection layer of an {@link Exchange} (see {@link ExchangeRecord} for why it is a
 * layer): obtains the channel the request travels on and gives it back. An HTTP/2 client stream in
 * an intercepted tunnel shares one h2 upstream connection per tunnel and opens a stream on it (or
 * falls back to pooled HTTP/1.1 when the upstream refuses h2); everything else takes an idle pooled
 * HTTP/1.1 connection or dials a new one. Dial failures become the client's problem via
 * {@link UpstreamFailure}. A connection is returned to the pool only when the exchange ends cleanly;
 * one taken from the pool may be stale, which is what the single replay on a fresh connection is for.
 */
abstract class ExchangeUpstream extends ExchangeRecord implements UpstreamListener {
    /** Marks a connection from a tunnel's shared h2 dial that one exchange already took for HTTP/1.1. */
    private static final AttributeKey<Boolean> CLAIMED = AttributeKey.valueOf(ExchangeUpstream.class, "claimed");

    /** The channel (or h2 stream) this exchange owns while it is attached, else null. */
    @Nullable Channel upstream;
    /** Where the connection goes back when it is reusable (null for an h2 stream). */
    UpstreamPool.@Nullable Key poolKey;
    /** The upstream is an HTTP/2 stream: never pooled, never replayed. */
    boolean upstreamIsStream;
    /** The upstream connection came from the pool (it may have been closed by the upstream while idle). */
    boolean reused;
    /** The one retry on a fresh connection was used. */
    boolean retried;

    ExchangeUpstream(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, RequestDecision.Forward fwd,
            String requestId, boolean clientKeepAlive, String clientTarget) {
        super(owner, ctx, target, fwd, requestId, clientKeepAlive, clientTarget);
    }

    /** An upstream was attached (or the audit/signature it waited for is ready): write what can be written. */
    abstract void maybeSend();

    /** Starts obtaining an upstream connection; {@link #maybeSend} runs once one is attached. */
    final void acquire() {
        if (finished) {
            return;
        }
        EventLoop loop = ctx.channel().eventLoop();
        TunnelSession s = owner.session;
        boolean offerH2 = target.tls() && owner.h2Stream && s != null && !s.upstreamH1Only;
        if (offerH2) {
            Future<UpstreamConnector.UpstreamConn> shared = s.h2Upstream;
            if (shared == null || (shared.isDone() && (!shared.isSuccess() || !shared.getNow().channel().isActive()))) {
                shared = px.connector.connectHttp(loop, new UpstreamPool.Key(true, target.host(), target.port(), true));
                s.h2Upstream = shared;
            }
            Future<UpstreamConnector.UpstreamConn> f = shared;
            f.addListener(x -> onSharedConnection(f));
            return;
        }
        UpstreamPool.Key key = new UpstreamPool.Key(target.tls(), target.host(), target.port(), false);
        Channel pooled = px.pool.acquire(loop, key);
        if (pooled != null) {
            reused = true;
            attach(pooled, key, false);
            return;
        }
        dial(key);
    }

    /** Dials a fresh HTTP/1.1 connection for {@code key} and attaches it, or fails the exchange. */
    final void dial(UpstreamPool.Key key) {
        px.connector.connectHttp(ctx.channel().eventLoop(), key).addListener((Future<UpstreamConnector.UpstreamConn> f) -> {
            if (f.isSuccess()) {
                attach(f.getNow().channel(), key, false);
            } else {
                fail(UpstreamFailure.problemOf(f.cause(), target.host(), target.port()));
            }
        });
    }

    private void onSharedConnection(Future<UpstreamConnector.UpstreamConn> f) {
        TunnelSession s = owner.session;
        if (finished || s == null) {
            return;
        }
        if (!f.isSuccess()) {
            if (s.h2Upstream == f) {
                s.h2Upstream = null;
            }
            fail(UpstreamFailure.problemOf(f.cause(), target.host(), target.port()));
            return;
        }
        UpstreamConnector.UpstreamConn conn = f.getNow();
        if (!conn.h2()) {
            s.upstreamH1Only = true;
            if (s.h2Upstream == f) {
                s.h2Upstream = null;
            }
            if (conn.channel().attr(CLAIMED).setIfAbsent(Boolean.TRUE) == null) {
                attach(conn.channel(), new UpstreamPool.Key(true, target.host(), target.port(), false), false);
            } else {
                acquire();
            }
            return;
        }
        new Http2StreamChannelBootstrap(conn.channel())
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast("codec", new Http2StreamFrameToHttpObjectCodec(false));
                        ch.pipeline().addLast("upstream", new UpstreamHandler());
                    }
                })
                .open()
                .addListener((Future<Http2StreamChannel> sf) -> {
                    if (sf.isSuccess()) {
                        attach(sf.getNow(), null, true);
                    } else {
                        fail(Problems.of(ErrorType.UPSTREAM_UNREACHABLE,
                                "could not open an HTTP/2 stream to " + target.authority()));
                    }
                });
    }

    private void attach(Channel ch, UpstreamPool.@Nullable Key key, boolean stream) {
        if (finished || !ctx.channel().isActive()) {
            if (!stream && key != null && ch.isActive()) {
                px.pool.release(key, ch);
            } else {
                ch.close();
            }
            return;
        }
        upstream = ch;
        poolKey = key;
        upstreamIsStream = stream;
        if (!UpstreamHandler.attach(ch, this)) {
            fail(UpstreamHandler.unusable());
            return;
        }
        ch.config().setAutoRead(false);
        maybeSend();
    }

    /**
     * Whether a failure on this connection may be a stale pooled connection that one fresh dial can
     * cure (the request side decides separately whether the request can be written again).
     */
    final boolean staleConnectionRetryable() {
        return reused && !retried && !upstreamIsStream && poolKey != null;
    }

    /** Gives up the current connection for the one retry: it is closed, and the next one is dialed fresh. */
    final void abandonForRetry() {
        retried = true;
        reused = false;
        Channel old = upstream;
        upstream = null;
        if (old != null) {
            detach(old);
            old.close();
        }
    }

    /** Detaches the upstream: back to the pool when {@code reusable} (and it can be), else closed. */
    final void releaseUpstream(boolean reusable) {
        Channel up = upstream;
        if (up == null) {
            return;
        }
        upstream = null;
        detach(up);
        UpstreamPool.Key key = poolKey;
        if (!upstreamIsStream && reusable && key != null && up.isActive()) {
            px.pool.release(key, up);
        } else {
            up.close();
        }
    }

    private static void detach(Channel up) {
        UpstreamHandler uh = up.pipeline().get(UpstreamHandler.class);
        if (uh != null) {
            uh.listener(null);
        }
    }
}
