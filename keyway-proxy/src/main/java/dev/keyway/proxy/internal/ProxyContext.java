package dev.keyway.proxy.internal;

import dev.keyway.core.limit.ConnectionLimiter;
import dev.keyway.core.limit.LoginThrottle;
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
    /** Commits the decisions of one event-loop pass together (see {@link DecisionCommits}). */
    final DecisionCommits decisionCommits;
    final UpstreamAddressPolicy addresses;
    final TlsContexts tls;
    final ExecutorService blocking;
    final Class<? extends SocketChannel> socketChannelClass;
    final UpstreamConnector connector;
    final UpstreamPool pool;
    /** Failed proxy authentication per client address (the API login's limiter). */
    final LoginThrottle authThrottle;
    final AuthFailureAudit authAudit;
    final ConnectionLimiter connections;
    private final java.util.concurrent.atomic.AtomicInteger blindTunnels = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger interceptedTunnels = new java.util.concurrent.atomic.AtomicInteger();
    /** Refused connections: one WARN line per 10 s at most. */
    final ThrottledLog refusalLog;
    /** Client protocol errors (malformed HTTP/2 and the like): one WARN line per 10 s at most. */
    final ThrottledLog protocolLog;

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
        this.decisionCommits = new DecisionCommits(audit);
        this.addresses = addresses;
        this.tls = tls;
        this.blocking = blocking;
        this.socketChannelClass = socketChannelClass;
        this.connector = new UpstreamConnector(this);
        this.pool = new UpstreamPool(config.poolMaxIdlePerHost(), config.poolIdleTimeout());
        this.authThrottle = new LoginThrottle(config.clock(), config.authFailures().burst(), config.authFailures().refill());
        this.authAudit = new AuthFailureAudit(audit, config.clock(), config.authFailures().auditWindow());
        this.connections = new ConnectionLimiter(config.connectionLimits());
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("dev.keyway.proxy");
        this.refusalLog = new ThrottledLog(log, config.clock(), java.time.Duration.ofSeconds(10));
        this.protocolLog = new ThrottledLog(log, config.clock(), java.time.Duration.ofSeconds(10));
    }

    /** Writes the audit summaries of ended authentication-failure windows (run periodically). */
    public void flushAuthFailures() {
        authAudit.flush();
    }

    /** Client connections open now (tunnels included), as counted by the connection limiter. */
    public int openConnections() {
        return connections.open();
    }

    /** CONNECT tunnels open now: relayed blind, and intercepted (TLS terminated by the proxy). */
    public int openTunnels(boolean intercepted) {
        return (intercepted ? interceptedTunnels : blindTunnels).get();
    }

    /** A tunnel was established; {@link #tunnelClosed} when its client connection closes. */
    void tunnelOpened(boolean intercepted) {
        (intercepted ? interceptedTunnels : blindTunnels).incrementAndGet();
    }

    void tunnelClosed(boolean intercepted) {
        (intercepted ? interceptedTunnels : blindTunnels).decrementAndGet();
    }

    /** Client connections refused by the connection limits since start. */
    public long refusedConnections() {
        return connections.refused();
    }

    /** Closes idle pooled upstream connections and writes pending audit summaries (shutdown). */
    public void closeIdle() {
        pool.closeAll();
        authAudit.flushAll();
    }
}
