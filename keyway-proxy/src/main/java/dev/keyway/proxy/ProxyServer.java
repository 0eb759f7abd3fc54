package dev.keyway.proxy;

import dev.keyway.proxy.internal.ClientInitializer;
import dev.keyway.proxy.internal.ProxyContext;
import dev.keyway.proxy.internal.TlsContexts;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.LeafCertificateSource;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A running Keyway forward proxy. Agents point {@code HTTPS_PROXY}/{@code HTTP_PROXY} at it; every
 * decision (who the client is, what to do with a CONNECT, how to rewrite each request) is taken by
 * the {@link ProxyPolicy}, every outcome is reported to the {@link AuditSink}.
 *
 * <p>Start with {@link #start}, stop with {@link #close()} (stops accepting, then lets in-flight
 * work finish for a short grace period).
 */
public final class ProxyServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final Channel serverChannel;
    private final ProxyContext context;

    private ProxyServer(EventLoopGroup group, ExecutorService blocking, Channel serverChannel, ProxyContext context) {
        this.group = group;
        this.blocking = blocking;
        this.serverChannel = serverChannel;
        this.context = context;
    }

    /**
     * Binds and starts the proxy.
     *
     * @throws UncheckedIOException when the address cannot be bound (e.g. the port is in use)
     */
    public static ProxyServer start(ProxyConfig config, ProxyPolicy policy, AuditSink audit,
            LeafCertificateSource leaves, UpstreamAddressPolicy addresses) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(leaves, "leaves");
        Objects.requireNonNull(addresses, "addresses");
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends SocketChannel> socketClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(),
                new DefaultThreadFactory("keyway-proxy", true), io);
        ExecutorService blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("keyway-proxy-io-", 0).factory());
        try {
            ProxyContext ctx = new ProxyContext(config, policy, audit, addresses,
                    new TlsContexts(leaves, config.upstreamTrust()), blocking, socketClass);
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(serverClass)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ClientInitializer(ctx));
            ChannelFuture bind = b.bind(config.bindHost(), config.port()).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                Throwable cause = bind.cause();
                BindException be = new BindException("cannot listen on " + config.bindHost() + ":" + config.port()
                        + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"));
                throw new UncheckedIOException(be);
            }
            // summaries of ended authentication-failure windows (the window itself runs on config.clock())
            group.scheduleAtFixedRate(ctx::flushAuthFailures, 1, 1, TimeUnit.SECONDS);
            return new ProxyServer(group, blocking, bind.channel(), ctx);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            blocking.shutdownNow();
            throw e;
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return address().getPort();
    }

    /** The address actually bound. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Client connections open now (blind tunnels and intercepted connections included); a metrics gauge. */
    public int openConnections() {
        return context.openConnections();
    }

    /** CONNECT tunnels open now: intercepted ones (TLS terminated here) or blind ones (bytes relayed as they are). */
    public int openTunnels(boolean intercepted) {
        return context.openTunnels(intercepted);
    }

    /** Client connections refused since start because a connection limit was reached. */
    public long refusedConnections() {
        return context.refusedConnections();
    }

    /** Stops accepting, closes idle upstream connections, and shuts the event loops down. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        context.closeIdle();
        group.shutdownGracefully(100, 3000, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        blocking.shutdownNow();
    }
}
