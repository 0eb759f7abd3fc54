package dev.keyway.bench.jmh;

import dev.keyway.core.service.Injection;
import dev.keyway.core.service.Match;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.VaultMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of deciding which service governs a request: compiling a vault's services (done on every
 * configuration change) and the two per-request lookups, {@code hasServiceFor} at CONNECT time and
 * {@code match} for every request inside an intercepted tunnel. Vaults of 10 and 200 services mix
 * exact hosts, wildcards, explicit ports and path globs with method lists.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MatcherBench {
    @Param({"10", "200"})
    int services;

    List<ServiceDefinition> definitions = List.of();
    VaultMatcher matcher = VaultMatcher.empty();
    String exactHost = "";
    String wildcardHost = "";

    @Setup
    public void setup() {
        definitions = vault(services);
        matcher = VaultMatcher.compile(definitions);
        // the last service of each kind, so the lookups do not benefit from declaration order
        int lastGlob = lastIndex(services, 1);
        int lastWildcard = lastIndex(services, 0);
        exactHost = "api" + lastGlob + ".example.com";
        wildcardHost = "tenant-42.svc" + lastWildcard + ".example.net";
        if (matcher.match(exactHost, 443, "GET", "/v1/chat/completions").filter(Match::allowed).isEmpty()
                || matcher.match(wildcardHost, 443, "POST", "/anything").filter(Match::allowed).isEmpty()
                || matcher.match("unknown.example.org", 443, "GET", "/").isPresent()) {
            throw new IllegalStateException("benchmark vault does not match as intended");
        }
    }

    /**
     * A vault of {@code n} services cycling through four shapes: a wildcard host, an exact host
     * with path globs and methods, an exact host with an explicit port, and a plain exact host.
     */
    static List<ServiceDefinition> vault(int n) {
        List<ServiceDefinition> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Injection bearer = new Injection.Bearer("KEY_" + i);
            ServiceDefinition d = switch (i % 4) {
                case 0 -> ServiceDefinition.of("wild-" + i, "*.svc" + i + ".example.net", bearer);
                case 1 -> new ServiceDefinition("glob-" + i, "api" + i + ".example.com",
                        List.of("/v1/chat/**", "/v1/models/*", "/repos/*/issues", "/files/*.json"),
                        List.of("GET", "POST"), true, false, null, bearer);
                case 2 -> ServiceDefinition.of("port-" + i, "gw" + i + ".example.com:8443", bearer);
                default -> ServiceDefinition.of("plain-" + i, "host" + i + ".example.org", bearer);
            };
            out.add(d);
        }
        return out;
    }

    private static int lastIndex(int n, int shape) {
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (i % 4 == shape) {
                last = i;
            }
        }
        return last;
    }

    @Benchmark
    public VaultMatcher compile() {
        return VaultMatcher.compile(definitions);
    }

    @Benchmark
    public Optional<Match> matchExactHit() {
        return matcher.match(exactHost, 443, "GET", "/v1/chat/completions");
    }

    @Benchmark
    public Optional<Match> matchWildcardHit() {
        return matcher.match(wildcardHost, 443, "POST", "/anything");
    }

    @Benchmark
    public Optional<Match> matchMiss() {
        return matcher.match("unknown.example.org", 443, "GET", "/v1/chat/completions");
    }

    @Benchmark
    public boolean hasServiceForHit() {
        return matcher.hasServiceFor(exactHost, 443);
    }

    @Benchmark
    public boolean hasServiceForMiss() {
        return matcher.hasServiceFor("unknown.example.org", 443);
    }
}
