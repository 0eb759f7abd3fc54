package dev.keyway.bench.jmh;

import dev.keyway.proxy.internal.HopByHop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The header hygiene the proxy runs on every keep-alive request: {@link HopByHop#strip} of the
 * request head on its way upstream and of the response head on its way back, plus
 * {@link HopByHop#stripKeyway} of the response head. Each benchmark works on a fresh copy of a
 * realistic head (the proxy also strips a fresh copy), so the copy is part of every score.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderHygieneBench {
    /** What an SDK sends: 12 fields, mixed case, a Connection field naming one more hop-by-hop field. */
    private final HttpHeaders request = new DefaultHttpHeaders()
            .add("Host", "api.openai.com")
            .add("User-Agent", "OpenAI/Python 1.54.4")
            .add("Accept", "application/json")
            .add("Accept-Encoding", "gzip, deflate")
            .add("Connection", "keep-alive")
            .add("Keep-Alive", "timeout=5")
            .add("Content-Type", "application/json")
            .add("Authorization", "Bearer KEYWAY_PLACEHOLDER")
            .add("X-Stainless-Lang", "python")
            .add("X-Stainless-Package-Version", "1.54.4")
            .add("X-Stainless-Retry-Count", "0")
            .add("OpenAI-Beta", "assistants=v2");

    /** What nginx answers: 7 fields, one hop-by-hop. */
    private final HttpHeaders response = new DefaultHttpHeaders()
            .add("Server", "nginx")
            .add("Date", "Mon, 07 Dec 2026 01:00:00 GMT")
            .add("Content-Type", "application/json")
            .add("Content-Length", "27")
            .add("Connection", "keep-alive")
            .add("Cache-Control", "no-store")
            .add("X-Request-Id", "req_8f2b1c");

    @Benchmark
    public HttpHeaders stripRequest() {
        HttpHeaders h = request.copy();
        HopByHop.strip(h, false);
        return h;
    }

    @Benchmark
    public HttpHeaders stripResponse() {
        HttpHeaders h = response.copy();
        HopByHop.strip(h, false);
        HopByHop.stripKeyway(h);
        return h;
    }
}
