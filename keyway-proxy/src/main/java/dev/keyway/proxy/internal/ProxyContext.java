package dev.keyway.proxy.internal;

import dev.keyway.proxy.ProxyConfig;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.UpstreamAddressPolicy;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.ExecutorService;

/**
 * Everything shared by all connections of one running proxy: configuration, the SPI
 * implementations, TLS contexts, the upstream connector and pool. Immutable references only; the
 * mutable parts ({@link UpstreamPool}) are confined per event loop.
 */
public final class ProxyContext {
    final ProxyConfig config;
    final ProxyPolicy policy;
    final AuditSink audit;
    final UpstreamAddressPolicy addresses;
    final TlsContexts tls;
    final ExecutorService blocking;
    final Class<? extends SocketChannel> socketChannelClass;
    final UpstreamConnector connector;
    final UpstreamPool pool;

    public ProxyContext(
            ProxyConfig config,
            ProxyPolicy policy,
            AuditSink audit,
            UpstreamAddressPolicy addresses,
            TlsContexts tls,
            ExecutorService blocking,
            Class<? extends SocketChannel> socketChannelClass) {
        this.config = config;
        this.policy = policy;
        this.audit = audit;
        this.addresses = addresses;
        this.tls = tls;
        this.blocking = blocking;
        this.socketChannelClass = socketChannelClass;
        this.connector = new UpstreamConnector(this);
        this.pool = new UpstreamPool(config.poolMaxIdlePerHost(), config.poolIdleTimeout());
    }

    /** Closes idle pooled upstream connections (shutdown). */
    public void closeIdle() {
        pool.closeAll();
    }
}
