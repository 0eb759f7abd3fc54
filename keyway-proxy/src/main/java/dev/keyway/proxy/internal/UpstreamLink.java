package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The upstream-connection part of an {@link Exchange}: obtains the channel the request travels on
 * and gives it back. An HTTP/2 client stream in an intercepted tunnel shares one h2 upstream
 * connection per tunnel and opens a stream on it (or falls back to pooled HTTP/1.1 when the upstream
 * refuses h2); everything else takes an idle pooled HTTP/1.1 connection or dials a new one. Dial
 * failures become the client's problem via {@link UpstreamFailure}. A connection is returned to the
 * pool only when the exchange ends cleanly; one taken from the pool may be stale, which is what the
 * single replay on a fresh connection ({@link #redial}) is for.
 */
final class UpstreamLink {
    /** Marks a connection from a tunnel's shared h2 dial that one exchange already took for HTTP/1.1. */
    private static final AttributeKey<Boolean> CLAIMED = AttributeKey.valueOf(UpstreamLink.class, "claimed");

    /** Where the current (or last) connection came from: decides pooling and the one replay. */
    enum Source {
        /** No connection was attached yet. */
        NONE,
        /** An idle pooled HTTP/1.1 connection: it may be stale, so one replay on a fresh one is allowed. */
        POOLED,
        /** A freshly dialed HTTP/1.1 connection. */
        DIALED,
        /** The fresh connection of the one replay: no further replay. */
        REDIALED,
        /** A stream on the tunnel's shared HTTP/2 connection: never pooled, never replayed. */
        H2_STREAM
    }

    private final Exchange x;
    /** The channel (or h2 stream) this exchange owns while it is attached, else null. */
    private @Nullable Channel channel;
    /** Where the connection goes back when it is reusable (null for an h2 stream). */
    private UpstreamPool.@Nullable Key poolKey;
    private Source source = Source.NONE;

    UpstreamLink(Exchange x) {
        this.x = x;
    }

    @Nullable Channel channel() {
        return channel;
    }

    Source source() {
        return source;
    }

    /** Starts obtaining an upstream connection; the exchange hears {@link Exchange#upstreamAttached} once one is attached. */
    void acquire() {
        if (x.isOver()) {
            return;
        }
        EventLoop loop = x.ctx.channel().eventLoop();
        TunnelSession s = x.owner.session;
        Target target = x.target;
        if (s != null && target.tls() && x.owner.h2Stream && !s.upstreamH1Only) {
            Future<UpstreamConnector.UpstreamConn> shared = s.h2Upstream;
            if (shared == null || (shared.isDone() && (!shared.isSuccess() || !shared.getNow().channel().isActive()))) {
                shared = x.px.connector.connectHttp(loop, new UpstreamPool.Key(true, target.host(), target.port(), true));
                s.h2Upstream = shared;
            }
            Future<UpstreamConnector.UpstreamConn> f = shared;
            f.addListener(y -> onSharedConnection(f));
            return;
        }
        UpstreamPool.Key key = new UpstreamPool.Key(target.tls(), target.host(), target.port(), false);
        Channel pooled = x.px.pool.acquire(loop, key);
        if (pooled != null) {
            attach(pooled, key, Source.POOLED);
            return;
        }
        dial(key, Source.DIALED);
    }

    /** Dials a fresh HTTP/1.1 connection for {@code key} and attaches it, or fails the exchange. */
    private void dial(UpstreamPool.Key key, Source as) {
        x.px.connector.connectHttp(x.ctx.channel().eventLoop(), key).addListener((Future<UpstreamConnector.UpstreamConn> f) -> {
            if (f.isSuccess()) {
                attach(f.getNow().channel(), key, as);
            } else {
                x.fail(UpstreamFailure.problemOf(f.cause(), x.target.host(), x.target.port()));
            }
        });
    }

    private void onSharedConnection(Future<UpstreamConnector.UpstreamConn> f) {
        TunnelSession s = x.owner.session;
        if (x.isOver() || s == null) {
            return;
        }
        Target target = x.target;
        if (!f.isSuccess()) {
            if (s.h2Upstream == f) {
                s.h2Upstream = null;
            }
            x.fail(UpstreamFailure.problemOf(f.cause(), target.host(), target.port()));
            return;
        }
        UpstreamConnector.UpstreamConn conn = f.getNow();
        if (!conn.h2()) {
            s.upstreamH1Only = true;
            if (s.h2Upstream == f) {
                s.h2Upstream = null;
            }
            if (conn.channel().attr(CLAIMED).setIfAbsent(Boolean.TRUE) == null) {
                attach(conn.channel(), new UpstreamPool.Key(true, target.host(), target.port(), false), Source.DIALED);
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
                        attach(sf.getNow(), null, Source.H2_STREAM);
                    } else {
                        x.fail(Problems.of(ErrorType.UPSTREAM_UNREACHABLE,
                                "could not open an HTTP/2 stream to " + target.authority()));
                    }
                });
    }

    private void attach(Channel ch, UpstreamPool.@Nullable Key key, Source as) {
        if (x.isOver() || !x.ctx.channel().isActive()) {
            if (as != Source.H2_STREAM && key != null && ch.isActive()) {
                x.px.pool.release(key, ch);
            } else {
                ch.close();
            }
            return;
        }
        channel = ch;
        poolKey = key;
        source = as;
        if (!UpstreamHandler.attach(ch, x)) {
            x.fail(UpstreamHandler.unusable());
            return;
        }
        if (as == Source.H2_STREAM) {
            ch.config().setAutoRead(false); // a stream channel: no system call, the writer turns it on after sending
        }
        // An HTTP/1.1 connection keeps reading (no epoll_ctl to stop and restart it per request):
        // anything it says before the request went out is not an answer to it (Exchange.upstreamRead).
        x.upstreamAttached();
    }

    /**
     * Whether a failure on this connection may be a stale pooled connection that one fresh dial can
     * cure (the request side decides separately whether the request can be written again).
     */
    boolean staleConnectionRetryable() {
        return source == Source.POOLED && poolKey != null;
    }

    /** Whether the request on this connection may still need a replay (so a buffered body is kept). */
    boolean mayReplay() {
        return source == Source.POOLED;
    }

    /** Gives up the current connection for the one replay: it is closed, and a fresh one is dialed. */
    void redial() {
        Channel old = channel;
        channel = null;
        source = Source.REDIALED;
        if (old != null) {
            detach(old);
            old.close();
        }
        dial(Objects.requireNonNull(poolKey), Source.REDIALED);
    }

    /** Detaches the upstream: back to the pool when {@code reusable} (and it can be), else closed. */
    void release(boolean reusable) {
        Channel up = channel;
        if (up == null) {
            return;
        }
        channel = null;
        detach(up);
        UpstreamPool.Key key = poolKey;
        if (source != Source.H2_STREAM && reusable && key != null && up.isActive()) {
            x.px.pool.release(key, up);
        } else {
            up.close();
        }
    }

    /** Whether the connection is an HTTP/2 stream (never pooled). */
    boolean isStream() {
        return source == Source.H2_STREAM;
    }

    private static void detach(Channel up) {
        UpstreamHandler uh = up.pipeline().get(UpstreamHandler.class);
        if (uh != null) {
            uh.listener(null);
        }
    }
}
