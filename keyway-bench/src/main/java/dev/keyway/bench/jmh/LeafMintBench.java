package dev.keyway.bench.jmh;

import dev.keyway.proxy.spi.LeafCertificateSource.Leaf;
import dev.keyway.proxy.tls.CertificateAuthority;
import dev.keyway.proxy.tls.LeafCache;
import dev.keyway.proxy.tls.LeafMinter;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the certificate the proxy presents on an intercepted CONNECT: a full mint (fresh EC
 * P-256 key pair plus an ECDSA signature by the CA) on first contact with a host, and the cache hit
 * every later tunnel to that host pays.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LeafMintBench {
    static final String HOST = "api.openai.com";

    LeafMinter minter = null;
    LeafCache cache = null;

    @Setup
    public void setup() {
        CertificateAuthority ca = CertificateAuthority.generate("bench", Clock.systemUTC());
        minter = new LeafMinter(ca, Clock.systemUTC());
        cache = new LeafCache(minter);
        cache.leafFor(HOST).join();
    }

    @Benchmark
    public Leaf mint() {
        return minter.mint(HOST);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Leaf cacheHit() {
        return cache.leafFor(HOST).join();
    }
}
