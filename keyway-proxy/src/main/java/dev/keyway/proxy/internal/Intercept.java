package dev.keyway.proxy.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Promise;

/**
 * Turns an accepted CONNECT into a TLS server for the target host: an {@link SniHandler} that waits
 * (reads paused) for the Keyway leaf of the CONNECT host, records the client's SNI (a different
 * name makes every request fail with {@code host-mismatch}), then ALPN picks HTTP/2 or HTTP/1.1.
 * Both end in the same {@link ExchangeHandler}: HTTP/2 streams are converted to HTTP/1-style
 * objects per stream.
 */
final class Intercept {
    private static final int MAX_CLIENT_HELLO = 64 * 1024;

    private Intercept() {}

    static void install(ProxyContext px, ChannelPipeline p, TunnelSession s) {
        String host = s.target.host();
        AsyncMapping<String, SslContext> mapping = (String sni, Promise<SslContext> promise) -> {
            s.sni = sni;
            s.sniMismatch = sni != null && !Authority.normalise(sni).equals(host);
            px.tls.serverFor(host).whenComplete((ctx, err) -> {
                if (err == null) {
                    promise.trySuccess(ctx);
                } else {
                    promise.tryFailure(err);
                }
            });
            return promise;
        };
        p.addLast("sni", new SniHandler(mapping, MAX_CLIENT_HELLO, px.config.headerReadTimeout().toMillis()));
        p.addLast("alpn", new Alpn(px, s));
    }

    /** The HTTP/1.1 head handlers of a decrypted (or, for a denial, plaintext) tunnel. */
    static void http1(ProxyContext px, ChannelPipeline p, TunnelSession s) {
        p.addLast("hdr-timeout", HeaderTimeouts.create(px, s.target.host()));
        p.addLast("codec", new ClientCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(px.config.maxInitialLineLength())
                .setMaxHeaderSize(px.config.maxHeaderSize())
                .setMaxChunkSize(16 * 1024)));
    }

    /** Configures the decrypted pipeline for the protocol the client chose. */
    private static final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final ProxyContext px;
        private final TunnelSession s;

        Alpn(ProxyContext px, TunnelSession s) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.px = px;
            this.s = s;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            ChannelPipeline p = ctx.pipeline();
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                s.clientH2 = true;
                p.addLast("h2", Http2FrameCodecBuilder.forServer()
                        .initialSettings(Http2Settings.defaultSettings()
                                .maxHeaderListSize(px.config.maxHeaderSize())
                                .maxConcurrentStreams(256)
                                .initialWindowSize(UpstreamConnector.H2_STREAM_WINDOW))
                        .build());
                p.addLast("mux", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast("codec", new Http2StreamFrameToHttpObjectCodec(true));
                        ch.pipeline().addLast("exchange", s.denial != null
                                ? new DeniedTunnel.Answer(s, true) : new ExchangeHandler(px, s, true));
                    }
                }));
                p.addLast("h2-errors", new ProtocolErrors(px.protocolLog, "HTTP/2 connection"));
                // upload windows as for downloads (see UpstreamConnector#configureH2); the connection
                // window bounds what one client connection can make the proxy hold
                ctx.channel().writeAndFlush(new DefaultHttp2WindowUpdateFrame(
                        UpstreamConnector.H2_CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE));
            } else {
                http1(px, p, s);
                if (s.denial != null) {
                    p.addLast("exchange", new DeniedTunnel.Answer(s, false));
                    return;
                }
                p.addLast("expect", new HttpServerExpectContinueHandler());
                p.addLast("seq", new RequestSequencer());
                p.addLast("exchange", new ExchangeHandler(px, s, false));
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // typically the client does not trust the Keyway CA; nothing to answer over TLS
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that resets or goes away before the protocol is chosen is routine: close quietly
            // instead of Netty's default WARN with a stack trace.
            ctx.close();
        }
    }
}
