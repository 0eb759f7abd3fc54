package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.UpstreamAddressPolicy.Vetted;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * Opens upstream connections the safe way: resolve the name off the event loop, let the
 * {@link dev.keyway.proxy.spi.UpstreamAddressPolicy} vet every address, then dial only vetted
 * addresses (in order, the next on failure) on the caller's event loop. TLS keeps SNI and hostname
 * verification on the NAME while the socket goes to the vetted IP, which defeats DNS rebinding.
 * Every failure is translated into the problem the client will see ({@link UpstreamFailure}).
 */
final class UpstreamConnector {
    private static final int MAX_RESPONSE_HEADER = 64 * 1024;

    private final ProxyContext px;
    private final @Nullable InetSocketAddress proxyAddress;
    private final @Nullable String proxyUser;
    private final @Nullable String proxyPassword;

    UpstreamConnector(ProxyContext px) {
        this.px = px;
        URI proxy = px.config.upstreamProxy();
        if (proxy == null) {
            proxyAddress = null;
            proxyUser = null;
            proxyPassword = null;
        } else {
            // resolved once at startup, never on an event loop
            proxyAddress = new InetSocketAddress(proxy.getHost(), proxy.getPort() < 0 ? 80 : proxy.getPort());
            String userInfo = proxy.getUserInfo();
            int c = userInfo == null ? -1 : userInfo.indexOf(':');
            proxyUser = c > 0 ? userInfo.substring(0, c) : null;
            proxyPassword = c > 0 ? userInfo.substring(c + 1) : null;
        }
    }

    /** An established HTTP upstream connection: HTTP/1.1 (codec + {@link UpstreamHandler}) or HTTP/2. */
    record UpstreamConn(Channel channel, boolean h2, UpstreamPool.Key key) {}

    /** Resolves and vets; completes on {@code loop}. */
    Future<List<InetAddress>> resolve(EventLoop loop, String host) {
        Promise<List<InetAddress>> p = loop.newPromise();
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                vet(p, host, List.of(InetAddress.getByAddress(literal)));
            } catch (UnknownHostException e) {
                p.tryFailure(new UpstreamFailure(ErrorType.DNS_FAILED, "invalid address " + host));
            }
            return p;
        }
        px.blocking.execute(() -> {
            List<InetAddress> addrs;
            try {
                addrs = px.config.resolver().resolve(host);
            } catch (UnknownHostException e) {
                p.tryFailure(new UpstreamFailure(ErrorType.DNS_FAILED, "the host " + host + " could not be resolved"));
                return;
            } catch (RuntimeException e) {
                p.tryFailure(new UpstreamFailure(ErrorType.DNS_FAILED, "resolving " + host + " failed"));
                return;
            }
            if (addrs.isEmpty()) {
                p.tryFailure(new UpstreamFailure(ErrorType.DNS_FAILED, "the host " + host + " has no addresses"));
                return;
            }
            vet(p, host, addrs);
        });
        return p;
    }

    private void vet(Promise<List<InetAddress>> p, String host, List<InetAddress> addrs) {
        Vetted v;
        try {
            v = px.addresses.vet(host, addrs);
        } catch (RuntimeException e) {
            p.tryFailure(new UpstreamFailure(ErrorType.PRIVATE_ADDRESS_BLOCKED, "the address of " + host + " could not be vetted"));
            return;
        }
        switch (v) {
            case Vetted.Allowed a -> p.trySuccess(a.addresses());
            case Vetted.Blocked b -> p.tryFailure(new UpstreamFailure(ErrorType.PRIVATE_ADDRESS_BLOCKED,
                    "connections to " + host + " are blocked: " + b.reason()));
        }
    }

    /**
     * TCP to a vetted address of host:port with AUTO_READ off and no handlers (blind tunnels and
     * the base of HTTP connections).
     */
    Future<Channel> connectTcp(EventLoop loop, String host, int port) {
        Promise<Channel> p = loop.newPromise();
        resolve(loop, host).addListener((Future<List<InetAddress>> f) -> {
            if (!f.isSuccess()) {
                p.tryFailure(f.cause());
                return;
            }
            dial(loop, f.getNow(), 0, host, port, p, null);
        });
        return p;
    }

    private void dial(EventLoop loop, List<InetAddress> addrs, int i, String host, int port, Promise<Channel> p,
            @Nullable Throwable last) {
        if (i >= addrs.size()) {
            p.tryFailure(connectFailure(host, port, last));
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(px.socketChannelClass)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) px.config.upstreamConnectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (proxyAddress != null) {
                            ch.pipeline().addLast("upstream-proxy", proxyUser != null && proxyPassword != null
                                    ? new HttpProxyHandler(proxyAddress, proxyUser, proxyPassword)
                                    : new HttpProxyHandler(proxyAddress));
                        }
                    }
                });
        b.connect(new InetSocketAddress(addrs.get(i), port)).addListener((io.netty.channel.ChannelFuture f) -> {
            if (!f.isSuccess()) {
                dial(loop, addrs, i + 1, host, port, p, f.cause());
                return;
            }
            Channel ch = f.channel();
            ProxyHandler ph = ch.pipeline().get(ProxyHandler.class);
            if (ph == null) {
                p.trySuccess(ch);
                return;
            }
            ch.read();
            ph.connectFuture().addListener(pf -> {
                if (pf.isSuccess()) {
                    ch.pipeline().remove(ph);
                    p.trySuccess(ch);
                } else {
                    ch.close();
                    p.tryFailure(new UpstreamFailure(ErrorType.UPSTREAM_UNREACHABLE,
                            "the upstream proxy could not connect to " + host + ":" + port));
                }
            });
        });
    }

    private UpstreamFailure connectFailure(String host, int port, @Nullable Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new UpstreamFailure(ErrorType.UPSTREAM_TIMEOUT, "connecting to " + host + ":" + port + " timed out after "
                    + px.config.upstreamConnectTimeout().toSeconds() + " s");
        }
        String why = cause instanceof ConnectException ? " (connection refused)" : "";
        return new UpstreamFailure(ErrorType.UPSTREAM_UNREACHABLE, "cannot connect to " + host + ":" + port + why);
    }

    /**
     * An HTTP connection to the target: TCP, then TLS when {@code tls} (ALPN {@code h2,http/1.1}
     * when {@code offerH2}, else {@code http/1.1}), then the codec for the negotiated protocol.
     */
    Future<UpstreamConn> connectHttp(EventLoop loop, UpstreamPool.Key key) {
        Promise<UpstreamConn> p = loop.newPromise();
        connectTcp(loop, key.host(), key.port()).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                p.tryFailure(f.cause());
                return;
            }
            Channel ch = f.getNow();
            if (!key.tls()) {
                configureH1(ch);
                p.trySuccess(new UpstreamConn(ch, false, key));
                return;
            }
            SslHandler ssl = px.tls.upstream(key.offerH2()).newHandler(ch.alloc(), key.host(), key.port());
            SSLEngine engine = ssl.engine();
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
            ssl.setHandshakeTimeoutMillis(px.config.upstreamConnectTimeout().toMillis());
            ch.pipeline().addLast("tls", ssl);
            ch.pipeline().addLast("tls-errors", new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close(); // handshake failures are reported through the handshake future
                }
            });
            ch.read();
            ssl.handshakeFuture().addListener(hf -> {
                if (!hf.isSuccess()) {
                    ch.close();
                    p.tryFailure(tlsFailure(key.host(), hf.cause()));
                    return;
                }
                ch.pipeline().remove("tls-errors");
                boolean h2 = ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol());
                if (h2) {
                    configureH2(ch);
                } else {
                    configureH1(ch);
                }
                p.trySuccess(new UpstreamConn(ch, h2, key));
            });
        });
        return p;
    }

    private static UpstreamFailure tlsFailure(String host, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (reason.length() > 200) {
            reason = reason.substring(0, 200);
        }
        return new UpstreamFailure(ErrorType.UPSTREAM_TLS_FAILED, "TLS with upstream " + host + " failed (" + reason
                + "). If " + host + " uses a private CA, start Keyway with --upstream-ca <pem file>.");
    }

    private void configureH1(Channel ch) {
        ch.pipeline().addLast("codec", new HttpClientCodec(8192, MAX_RESPONSE_HEADER, 16 * 1024));
        ch.pipeline().addLast("upstream", new UpstreamHandler());
    }

    private static void configureH2(Channel ch) {
        ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                .build());
        ch.pipeline().addLast("mux", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        ch.pipeline().addLast("errors", new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
        ch.config().setAutoRead(true);
        ch.read();
    }
}
