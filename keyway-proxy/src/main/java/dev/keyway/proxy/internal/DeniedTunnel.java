package dev.keyway.proxy.internal;

import dev.keyway.proxy.netty.HeaderTimeout;
import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.Objects;

/**
 * A CONNECT that the policy denied, delivered inside the tunnel: a client shows the body of a
 * response to its request, but only the status line of a refused CONNECT ("CONNECT tunnel failed,
 * response 403"), so the agent would never read the problem's detail that says how to get access.
 * The tunnel is intercepted as for a matched host (TLS with a Keyway leaf, HTTP/1.1 or h2), the
 * first request is answered with the problem, and the connection closes. Nothing is forwarded and
 * no upstream connection is opened. A client that speaks plaintext HTTP in the tunnel gets the
 * same answer in plaintext; any other bytes close the connection.
 *
 * <p>The denial was audited when the CONNECT was decided; the answer adds no record.
 */
final class DeniedTunnel {
    /** First byte of a TLS record carrying a handshake message (the ClientHello). */
    private static final byte TLS_HANDSHAKE = 0x16;

    private DeniedTunnel() {}

    /** Installs the TLS server (as {@link Intercept#install}) behind a first-byte check. */
    static void install(ProxyContext px, ChannelPipeline p, TunnelSession s) {
        Objects.requireNonNull(s.denial, "denial");
        p.addLast("sniff", new Sniff(px, s));
        Intercept.install(px, p, s);
    }

    /** Routes the first bytes: a TLS handshake to the TLS server, anything else to a plaintext HTTP/1.1 answer. */
    private static final class Sniff extends ChannelInboundHandlerAdapter {
        private final ProxyContext px;
        private final TunnelSession s;

        Sniff(ProxyContext px, TunnelSession s) {
            this.px = px;
            this.s = s;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf b) || !b.isReadable()) {
                ctx.fireChannelRead(msg);
                return;
            }
            ChannelPipeline p = ctx.pipeline();
            if (b.getByte(b.readerIndex()) != TLS_HANDSHAKE) {
                p.remove("sni");
                p.remove("alpn");
                Intercept.http1(px, p, s);
                p.addLast("exchange", new Answer(s, false));
            }
            p.remove(this);
            ctx.fireChannelRead(msg); // the removed context still forwards to its successor
        }
    }

    /**
     * Answers the first request of the tunnel (or of each HTTP/2 stream opened before the close)
     * with the denial, then closes the client connection once the answer is written and, for
     * HTTP/1.1, the request body was read (so the client reads the answer, not a reset).
     */
    static final class Answer extends ChannelInboundHandlerAdapter {
        private enum State { WAITING, DRAINING, ANSWERED }

        private final TunnelSession s;
        private final boolean h2Stream;
        private State state = State.WAITING;

        Answer(TunnelSession s, boolean h2Stream) {
            this.s = s;
            this.h2Stream = h2Stream;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req && state == State.WAITING) {
                    answer(ctx, req);
                } else if (msg instanceof HttpContent c && state == State.DRAINING
                        && (c instanceof LastHttpContent || c.decoderResult().isFailure())) {
                    state = State.ANSWERED;
                    Relay.closeOnFlush(s.clientChannel);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx, HttpRequest req) {
            HeaderTimeout ht = HeaderTimeout.of(ctx);
            if (ht != null) {
                ht.headReceived(); // the head is complete: a body being drained is not a slow head
            }
            if (req.decoderResult().isFailure()) {
                state = State.ANSWERED;
                s.clientChannel.close(); // not HTTP: nothing a client could show
                return;
            }
            ProxyProblem p = Objects.requireNonNull(s.denial);
            // keep-alive form (no Connection header) on h2, where connection headers are not allowed
            var response = Problems.response(p, s.requestId, h2Stream, ctx.alloc());
            if (h2Stream || req instanceof LastHttpContent) {
                state = State.ANSWERED;
                ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> s.clientChannel.close());
            } else {
                state = State.DRAINING; // the body is still coming: read it (bounded by the tunnel's cap)
                ctx.writeAndFlush(response);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            s.clientChannel.close();
        }
    }
}
