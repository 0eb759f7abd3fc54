package dev.keyway.bench.jmh;

import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.server.metrics.KeywayMetrics;
import dev.keyway.server.metrics.MeteredAuditSink;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics add to one keep-alive injected request (issue 13 §2: at most 2 % of keep-alive
 * throughput): the server's {@link MeteredAuditSink} around a sink that does nothing, fed exactly
 * what the proxy reports per request (the durable decision record, then the completed request
 * record), against the bare sink. The proxy's exchange code carries no metrics code, so this
 * difference is the whole per-request cost; token validations are counted per connection, not per
 * request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MetricsBench {
    private static final CompletableFuture<Void> DURABLE = CompletableFuture.completedFuture(null);

    private final AuditSink bare = new AuditSink() {
        @Override
        public CompletableFuture<Void> decision(ProxyAuditEvent event) {
            return DURABLE;
        }

        @Override
        public void completed(ProxyAuditEvent event) {
            // nothing: only the metrics' own work is measured
        }
    };
    private KeywayMetrics metrics;
    private AuditSink metered;
    private final ProxyAuditEvent decision = event("decision", 0, -1);
    private final ProxyAuditEvent request = event("request", 200, 412_000);

    private static ProxyAuditEvent event(String kind, int status, long upstreamNanos) {
        return new ProxyAuditEvent(kind, Instant.parse("2026-12-07T06:00:00Z"), "req_01JD2K3M4N5P6Q7R8S9T", "default",
                "tok_01JD2K3M4N5P6Q7R8S9T", "agent:claude", "127.0.0.1", "GET", "localhost", 443, "/small", "bench", true,
                List.of("BENCH_KEY"), status, 0, 3, 1, null, "intercept", null, 1, -1, upstreamNanos);
    }

    @Setup(Level.Trial)
    public void setup() {
        metrics = new KeywayMetrics("bench");
        metered = new MeteredAuditSink(bare, metrics.registry());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        metrics.close();
    }

    @Benchmark
    public Object withMetrics() {
        CompletableFuture<Void> f = metered.decision(decision);
        metered.completed(request);
        return f;
    }

    @Benchmark
    public Object withoutMetrics() {
        CompletableFuture<Void> f = bare.decision(decision);
        bare.completed(request);
        return f;
    }
}
