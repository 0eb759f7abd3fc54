package dev.keyway.proxy.spi;

import java.util.concurrent.CompletableFuture;

/**
 * Where the proxy reports what it did. Implementations must not block the caller.
 *
 * <p>For a request that receives a credential the engine calls {@link #decision} and writes the
 * injected request upstream only after the returned future completes (the record is durable,
 * fsynced, group-committed). If the future fails the request is answered 503
 * {@code audit-unavailable} and nothing is forwarded. Every request, tunnel and denial is also
 * reported once, when it finishes, through {@link #completed}.
 */
public interface AuditSink {
    CompletableFuture<Void> decision(ProxyAuditEvent event);

    /**
     * The decisions recorded since the last call may be made durable now (together). Called on an
     * event loop after a pass that recorded decisions; must not block. The default does nothing,
     * for sinks that start each decision at once.
     */
    default void commitDecisions() {}

    void completed(ProxyAuditEvent event);
}
