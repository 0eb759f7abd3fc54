package dev.keyway.server.metrics;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Counts what the proxy reports to its audit sink, then hands every event on unchanged. Sitting at
 * this boundary (rather than inside the proxy's exchange code) it sees every request, tunnel and
 * denial exactly once, with the vault, service and error type already decided.
 *
 * <p>Cardinality is bounded by construction: {@code vault} and {@code service} come only from
 * the authenticated principal and the matched service (configured names; {@code none} otherwise),
 * {@code error_type} only from {@link ErrorType}'s slugs ({@code other} for anything else); never a
 * host, path, client address or token id.
 */
public final class MeteredAuditSink implements AuditSink {
    static final Duration[] LATENCY_BUCKETS = durations(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000);
    static final Duration[] DECISION_BUCKETS = durations(1, 2, 5, 10, 25, 50, 100, 250, 1000);
    static final Duration[] UPSTREAM_BUCKETS = durations(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000);

    private static final Set<String> SLUGS = Arrays.stream(ErrorType.values()).map(ErrorType::slug).collect(Collectors.toUnmodifiableSet());

    private final AuditSink delegate;
    private final MeterRegistry registry;
    private final Timer[] durations = new Timer[ProxyOutcome.values().length];
    private final Counter[] statusClasses = new Counter[6];
    private final Timer decisionWait;
    private final Counter decisionFailures;
    private final Timer upstream;

    public MeteredAuditSink(AuditSink delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        for (ProxyOutcome o : ProxyOutcome.values()) {
            if (o == ProxyOutcome.NONE || o == ProxyOutcome.TUNNELLED || o == ProxyOutcome.INTERCEPTED) {
                continue;
            }
            durations[o.ordinal()] = Timer.builder("keyway.proxy.request.duration")
                    .description("Time from a request's arrival to the end of its response (upstream time included), by outcome")
                    .tag("outcome", o.label())
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry);
        }
        for (int c = 1; c <= 5; c++) {
            statusClasses[c] = Counter.builder("keyway.proxy.responses")
                    .description("Responses returned to proxy clients, by status class")
                    .tag("code_class", c + "xx")
                    .register(registry);
        }
        decisionWait = Timer.builder("keyway.proxy.decision.wait")
                .description("Time Keyway holds a credential-bearing request until its decision record is durable (the time it adds before forwarding)")
                .serviceLevelObjectives(DECISION_BUCKETS)
                .register(registry);
        upstream = Timer.builder("keyway.proxy.upstream.duration")
                .description("Upstream time of intercepted requests: from the request going upstream to the upstream's response head")
                .serviceLevelObjectives(UPSTREAM_BUCKETS)
                .register(registry);
        decisionFailures = Counter.builder("keyway.proxy.decision.failures")
                .description("Credential-bearing requests refused because their decision record could not be written")
                .register(registry);
    }

    @Override
    public CompletableFuture<Void> decision(ProxyAuditEvent event) {
        long t0 = System.nanoTime();
        CompletableFuture<Void> f = delegate.decision(event);
        f.whenComplete((v, err) -> {
            if (err == null) {
                decisionWait.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            } else {
                decisionFailures.increment();
            }
        });
        return f;
    }

    @Override
    public void commitDecisions() {
        delegate.commitDecisions();
    }

    @Override
    public void completed(ProxyAuditEvent event) {
        try {
            count(event);
        } finally {
            delegate.completed(event);
        }
    }

    private void count(ProxyAuditEvent e) {
        ProxyOutcome o = ProxyOutcome.of(e.kind(), e.status(), e.injected(), e.errorType(), e.mode());
        if (o == ProxyOutcome.NONE) {
            return;
        }
        registry.counter("keyway.proxy.requests", Tags.of(
                "outcome", o.label(),
                "vault", orNone(e.vault()),
                "service", orNone(e.service()),
                "error_type", errorType(e.errorType()))).increment(e.count());
        if (o == ProxyOutcome.TUNNELLED || o == ProxyOutcome.INTERCEPTED) {
            return;
        }
        Timer t = durations[o.ordinal()];
        if (t != null && o != ProxyOutcome.DENIED) {
            t.record(e.durationMillis(), TimeUnit.MILLISECONDS);
        }
        if (e.upstreamNanos() >= 0) {
            upstream.record(e.upstreamNanos(), TimeUnit.NANOSECONDS);
        }
        int cls = e.status() / 100;
        if (cls >= 1 && cls <= 5) {
            statusClasses[cls].increment(e.count());
        }
    }

    static String orNone(@Nullable String s) {
        return s == null || s.isEmpty() ? "none" : s;
    }

    static String errorType(@Nullable String slug) {
        if (slug == null) {
            return "none";
        }
        return SLUGS.contains(slug) ? slug : "other";
    }

    private static Duration[] durations(long... millis) {
        return Arrays.stream(millis).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
    }
}
