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
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.NoopAddressResolverGroup;
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
    static final int H2_STREAM_WINDOW = 1 << 20;
    static final int H2_CONNECTION_WINDOW = 4 << 20;

    private final ProxyContext px;
    private final @Nullable InetSocketAddress proxyAddress;
    /** {@code host:port} of the upstream proxy for messages (never its credentials). */
    private final @Nullable String proxyName;
    private final @Nullable String proxyUser;
    private final @Nullable String proxyPassword;

    UpstreamConnector(ProxyContext px) {
        this.px = px;
        URI proxy = px.config.upstreamProxy();
        if (proxy == null) {
            proxyAddress = null;
            proxyName = null;
            proxyUser = null;
            proxyPassword = null;
        } else {
            int port = proxy.getPort() < 0 ? 80 : proxy.getPort();
            // resolved once at startup, never on an event loop
            proxyAddress = new InetSocketAddress(proxy.getHost(), port);
            proxyName = proxy.getHost() + ":" + port;
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
     * the base of HTTP connections). With an upstream proxy the name is still resolved and vetted
     * here (a name that resolves to a blocked address is refused before anything is sent), then the
     * upstream proxy is asked to {@code CONNECT host:port} by name, as HTTP clients do: corporate
     * proxies filter by name and often are the only resolver that can see the internet.
     */
    Future<Channel> connectTcp(EventLoop loop, String host, int port) {
        Promise<Channel> p = loop.newPromise();
        resolve(loop, host).addListener((Future<List<InetAddress>> f) -> {
            if (!f.isSuccess()) {
                p.tryFailure(f.cause());
                return;
            }
            if (proxyAddress != null) {
                viaProxy(loop, host, port, p);
            } else {
                dial(loop, f.getNow(), 0, host, port, p, null);
            }
        });
        return p;
    }

    private Bootstrap bootstrap(EventLoop loop) {
        return new Bootstrap()
                .group(loop)
                .channel(px.socketChannelClass)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) px.config.upstreamConnectTimeout().toMillis());
    }

    private void dial(EventLoop loop, List<InetAddress> addrs, int i, String host, int port, Promise<Channel> p,
            @Nullable Throwable last) {
        if (i >= addrs.size()) {
            p.tryFailure(connectFailure(host, port, last));
            return;
        }
        bootstrap(loop).handler(new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress(addrs.get(i), port))
                .addListener((io.netty.channel.ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        f.channel().pipeline().remove(ChannelInboundHandlerAdapter.class);
                        p.trySuccess(f.channel());
                    } else {
                        dial(loop, addrs, i + 1, host, port, p, f.cause());
                    }
                });
    }

    /** TCP to the upstream proxy, then {@code CONNECT host:port}; the channel is returned once it answered 2xx. */
    private void viaProxy(EventLoop loop, String host, int port, Promise<Channel> p) {
        InetSocketAddress proxy = java.util.Objects.requireNonNull(proxyAddress);
        HttpProxyHandler ph = proxyUser != null && proxyPassword != null
                ? new HttpProxyHandler(proxy, proxyUser, proxyPassword)
                : new HttpProxyHandler(proxy);
        ph.setConnectTimeoutMillis(px.config.upstreamConnectTimeout().toMillis());
        bootstrap(loop)
                .resolver(NoopAddressResolverGroup.INSTANCE) // the destination goes to the proxy unresolved
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("upstream-proxy", ph);
                        ch.pipeline().addLast("upstream-proxy-errors", new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // reported through the handshake future
                            }
                        });
                    }
                })
                .connect(InetSocketAddress.createUnresolved(host, port))
                .addListener((io.netty.channel.ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        p.tryFailure(proxyFailure(host, port, f.cause(), false));
                        return;
                    }
                    Channel ch = f.channel();
                    ch.read();
                    ph.connectFuture().addListener(pf -> {
                        if (pf.isSuccess()) {
                            ch.pipeline().remove(ph);
                            ch.pipeline().remove("upstream-proxy-errors");
                            p.trySuccess(ch);
                        } else {
                            ch.close();
                            p.tryFailure(proxyFailure(host, port, pf.cause(), true));
                        }
                    });
                });
    }

    private UpstreamFailure proxyFailure(String host, int port, @Nullable Throwable cause, boolean connected) {
        String proxy = "the upstream proxy " + proxyName;
        long seconds = px.config.upstreamConnectTimeout().toSeconds();
        if (!connected) {
            if (cause instanceof ConnectTimeoutException) {
                return new UpstreamFailure(ErrorType.UPSTREAM_TIMEOUT, "connecting to " + proxy + " timed out after "
                        + seconds + " s");
            }
            String why = cause instanceof ConnectException ? " (connection refused)" : "";
            return new UpstreamFailure(ErrorType.UPSTREAM_UNREACHABLE, "cannot connect to " + proxy + why);
        }
        String message = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        if (cause instanceof ProxyConnectException && message.endsWith("timeout")) {
            return new UpstreamFailure(ErrorType.UPSTREAM_TIMEOUT, proxy + " did not answer CONNECT " + host + ":" + port
                    + " within " + seconds + " s");
        }
        int at = message.indexOf("status: ");
        String status = at < 0 ? "" : " (" + abbreviate(message.substring(at + 8)) + ")";
        return new UpstreamFailure(ErrorType.UPSTREAM_UNREACHABLE, proxy + " refused CONNECT " + host + ":" + port
                + status);
    }

    private static String abbreviate(String s) {
        String oneLine = s.replaceAll("[\\r\\n]", " ").strip();
        return oneLine.length() > 80 ? oneLine.substring(0, 80) : oneLine;
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

    /**
     * HTTP/2 to the upstream with receive windows of {@link #H2_STREAM_WINDOW} per stream and
     * {@link #H2_CONNECTION_WINDOW} per connection instead of the protocol's 64 KiB, which would
     * cap a download at 64 KiB per round trip. A stream's window is also the most the proxy holds
     * for a client that stops reading (its frames are only consumed as the client keeps up).
     */
    private static void configureH2(Channel ch) {
        ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).initialWindowSize(H2_STREAM_WINDOW))
                .build());
        ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(H2_CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE));
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
