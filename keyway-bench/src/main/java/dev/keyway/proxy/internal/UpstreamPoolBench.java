package dev.keyway.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
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
import org.jspecify.annotations.Nullable;

/**
 * The keep-alive pool's per-request bookkeeping: one {@link UpstreamPool#release} when a response
 * completes and one {@link UpstreamPool#acquire} (with the {@link UpstreamPool.Key} the next
 * exchange builds) when the next request on the connection starts, with the default 60 s idle
 * timeout. Time never advances (an embedded event loop), as under load, where a connection is
 * reacquired long before its idle timeout: whatever a release schedules stays pending, as it would
 * for 60 s on a real loop. Each iteration starts from a fresh loop so the pending work of one
 * iteration does not pile into the next.
 *
 * <p>In the proxy's package because the pool is package-private (an internal part of the request
 * path).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseSerialGC"})
public class UpstreamPoolBench {
    private final UpstreamPool.Key key = new UpstreamPool.Key(true, "api.example.com", 443, false);
    private @Nullable UpstreamPool pool;
    private @Nullable EmbeddedChannel ch;

    @Setup(Level.Iteration)
    public void setup() {
        pool = new UpstreamPool(32, Duration.ofSeconds(60));
        ch = new EmbeddedChannel(new UpstreamHandler());
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    @Benchmark
    public @Nullable Channel releaseThenAcquire() {
        UpstreamPool p = pool;
        EmbeddedChannel c = ch;
        p.release(key, c);
        return p.acquire(c.eventLoop(), new UpstreamPool.Key(true, "api.example.com", 443, false));
    }
}
