package dev.keyway.server.metrics;

import dev.keyway.proxy.ProxyServer;
import dev.keyway.proxy.tls.LeafCache;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditStats;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.concurrent.TimeUnit;

/**
 * The server's metrics registry and what feeds it. Everything is read from objects that already
 * keep the numbers (the leaf cache's counters, the connection limiter, the audit log's health) or
 * counted at a boundary the server owns (the audit sink, the policy, the audit writer's batch
 * report), so the proxy's exchange code carries no metrics code at all.
 *
 * <p>One instance per server (no static registry): tests run several servers in one JVM.
 */
public final class KeywayMetrics implements AutoCloseable {
    /** The Prometheus text exposition format served at {@code /metrics}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public KeywayMetrics(String version) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("keyway.info", () -> 1).description("Always 1; the version label says which Keyway runs")
                .tag("version", version).register(registry);
    }

    /** The registry, for the counting decorators. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Cluster audit shipping: how many local records are not yet in the shared table, and the shipper's state. */
    public void bindAuditShipping(dev.keyway.store.audit.AuditShipper shipper) {
        Gauge.builder("keyway.audit.ship.lag.records", shipper, dev.keyway.store.audit.AuditShipper::lagRecords)
                .description("Audit records written on this node and not yet shipped to the cluster-wide table").register(registry);
        Gauge.builder("keyway.audit.ship.failures", shipper, dev.keyway.store.audit.AuditShipper::failures)
                .description("Consecutive failed shipping attempts (0 while shipping works)").register(registry);
        Gauge.builder("keyway.audit.ship.blocked", shipper,
                        s -> s.state() == dev.keyway.store.audit.AuditShipper.State.BLOCKED ? 1 : 0)
                .description("1 when shipping stopped because the table holds another log under this node name").register(registry);
    }

    /** Audit health, queue, drops, and the writer's group-commit size and fsync latency. */
    public void bindAudit(AuditLog log) {
        Gauge.builder("keyway.audit.healthy", log, l -> l.healthy() ? 1 : 0)
                .description("1 while the audit log can be written; 0 after a write or fsync failure (the proxy then refuses credential-bearing requests)")
                .register(registry);
        Gauge.builder("keyway.audit.queued.records", log, AuditLog::queued)
                .description("Audit records queued and not yet written").register(registry);
        Gauge.builder("keyway.audit.last.seq", log, AuditLog::lastSeq)
                .description("Sequence number of the last audit record written").register(registry);
        FunctionCounter.builder("keyway.audit.dropped", log, AuditLog::dropped)
                .description("Non-durable audit records refused because the queue was full").register(registry);
        Timer fsync = Timer.builder("keyway.audit.fsync")
                .description("Duration of each audit fsync (one per group-committed batch holding a durable record)")
                .serviceLevelObjectives(MeteredAuditSink.DECISION_BUCKETS)
                .register(registry);
        DistributionSummary batch = DistributionSummary.builder("keyway.audit.batch.records")
                .description("Records written per audit batch (group commit)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
                .register(registry);
        log.observe((AuditStats) (records, syncNanos) -> {
            batch.record(records);
            if (syncNanos >= 0) {
                fsync.record(syncNanos, TimeUnit.NANOSECONDS);
            }
        });
    }

    /** The result of the hash-chain check of the newest audit records at start: 1 intact, 0 broken. */
    public void bindAuditChainCheck(boolean intact) {
        Gauge.builder("keyway.audit.chain.intact", () -> intact ? 1 : 0)
                .description("1 if the audit hash chain of the newest records was intact when the server started, 0 if it was broken")
                .register(registry);
    }

    /** Leaf-certificate cache: lookups served from the cache, certificates minted, failures, size. */
    public void bindLeafCache(LeafCache leaves) {
        FunctionCounter.builder("keyway.tls.leaf.cache.hits", leaves, LeafCache::hits)
                .description("TLS handshakes with clients served a cached leaf certificate").register(registry);
        FunctionCounter.builder("keyway.tls.leaf.mints", leaves, LeafCache::mints)
                .description("Leaf certificates minted (a client handshake for a host not in the cache, or renewal)").register(registry);
        FunctionCounter.builder("keyway.tls.leaf.mint.failures", leaves, LeafCache::failures)
                .description("Leaf certificate mints that failed").register(registry);
        Gauge.builder("keyway.tls.leaf.cache.entries", leaves, LeafCache::size)
                .description("Leaf certificates in the cache").register(registry);
    }

    /** Open and refused client connections of the proxy (blind tunnels and intercepted connections included). */
    public void bindProxy(ProxyServer proxy) {
        Gauge.builder("keyway.proxy.open.connections", proxy, ProxyServer::openConnections)
                .description("Client connections open to the proxy now, tunnels included").register(registry);
        FunctionCounter.builder("keyway.proxy.refused.connections", proxy, ProxyServer::refusedConnections)
                .description("Client connections refused by the connection limits").register(registry);
        Gauge.builder("keyway.proxy.open.tunnels", proxy, p -> p.openTunnels(true)).tag("mode", "intercept")
                .description("CONNECT tunnels open now, by mode: intercept (TLS terminated by Keyway) or tunnel (blind relay)")
                .register(registry);
        Gauge.builder("keyway.proxy.open.tunnels", proxy, p -> p.openTunnels(false)).tag("mode", "tunnel")
                .description("CONNECT tunnels open now, by mode: intercept (TLS terminated by Keyway) or tunnel (blind relay)")
                .register(registry);
    }

    /**
     * Credential-source fetches by source and result ({@code ok} or the failure kind), and lookups of
     * linked values answered from memory ({@code hit}) or that had to fetch ({@code miss}). Source
     * names are configured by an administrator, so the label is bounded.
     */
    public void sourceFetched(String source, dev.keyway.core.source.@org.jspecify.annotations.Nullable SourceFailure failure) {
        registry.counter("keyway.source.fetches", "source", source,
                "result", failure == null ? "ok" : failure.kind().name().toLowerCase(java.util.Locale.ROOT)).increment();
    }

    /** Lookups of linked credential values served from memory or not (see {@link #sourceFetched}). */
    public void bindLinkedValues(dev.keyway.server.source.LinkedValues values) {
        FunctionCounter.builder("keyway.source.cache.lookups", values, dev.keyway.server.source.LinkedValues::cacheHits)
                .tag("result", "hit")
                .description("Lookups of linked credential values, by result: hit (served from memory) or miss (waited for a fetch)")
                .register(registry);
        FunctionCounter.builder("keyway.source.cache.lookups", values, dev.keyway.server.source.LinkedValues::cacheMisses)
                .tag("result", "miss")
                .description("Lookups of linked credential values, by result: hit (served from memory) or miss (waited for a fetch)")
                .register(registry);
    }

    /**
     * Cluster sync (issue 11): 1 while the node has confirmed sync with its database within the
     * allowed lag, 0 while it refuses to inject; and the time since the last confirmation. A single
     * node on SQLite is always in sync, with no lag.
     */
    public void bindReadiness(dev.keyway.server.cluster.Readiness readiness) {
        Gauge.builder("keyway.cluster.in.sync", readiness,
                        r -> r.state() == dev.keyway.server.cluster.SyncState.IN_SYNC ? 1 : 0)
                .description("1 while this node is in sync with its database (it injects, /ready is 200), 0 while it is out of sync")
                .register(registry);
        Gauge.builder("keyway.cluster.sync.lag", readiness, r -> r.lag().toNanos() / 1e9)
                .description("Time since this node last confirmed sync with its database")
                .baseUnit("seconds")
                .register(registry);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

}
