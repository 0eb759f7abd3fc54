package dev.keyway.bench.jmh;

import dev.keyway.proxy.netty.HeaderTimeout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
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

/**
 * The slowloris guard's work per keep-alive request: the first bytes of a head start the clock,
 * the decoded head stops it, and the handler lets the next head start ({@link HeaderTimeout}
 * {@code channelRead}, {@code headReceived}, {@code awaitNext}), on an embedded channel (no
 * sockets; the same schedule and cancel calls as on a real event loop).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderTimeoutBench {
    private final ByteBuf head = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("GET /v1/models HTTP/1.1\r\n", StandardCharsets.US_ASCII));
    private HeaderTimeout guard = new HeaderTimeout(Duration.ofSeconds(10), c -> c.close());
    private EmbeddedChannel ch = new EmbeddedChannel();

    @Setup(Level.Iteration)
    public void setup() {
        guard = new HeaderTimeout(Duration.ofSeconds(10), c -> c.close());
        ch = new EmbeddedChannel(guard);
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        ch.finishAndReleaseAll();
    }

    @Benchmark
    public void oneRequest() {
        ch.pipeline().fireChannelRead(head.duplicate());
        guard.headReceived();
        guard.awaitNext();
        ch.inboundMessages().clear();
    }
}
