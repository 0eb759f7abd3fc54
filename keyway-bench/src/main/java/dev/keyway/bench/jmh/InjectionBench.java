package dev.keyway.bench.jmh;

import dev.keyway.core.inject.BodySubstitution;
import dev.keyway.core.inject.CredentialResolver;
import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.inject.InjectionResult;
import dev.keyway.core.inject.Injector;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.Surface;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
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
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of putting a credential on a request ({@link Injector#apply}) for each header-level
 * injection kind, with a resolver that hands out a fresh copy of a 51-byte key per call (as the real
 * resolver must), and of streaming placeholder substitution over a 64 KiB request body fed in 8 KiB
 * chunks (the placeholder straddles a chunk boundary once and sits inside a chunk once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InjectionBench {
    /** 51 printable bytes, the length of an OpenAI-style project key. */
    static final byte[] KEY = "sk-bench-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG".getBytes(StandardCharsets.US_ASCII);

    static final String PLACEHOLDER = "__KEYWAY_BENCH_PLACEHOLDER__";
    static final int BODY_BYTES = 64 * 1024;
    static final int CHUNK_BYTES = 8 * 1024;

    final CredentialResolver resolver = name -> Optional.of(KEY.clone());

    final ServiceDefinition bearer =
            ServiceDefinition.of("openai", "api.openai.com", new Injection.Bearer("OPENAI_API_KEY"));
    final ServiceDefinition headerTemplate =
            ServiceDefinition.of("github", "api.github.com", Injection.Headers.of("Authorization", "token {GITHUB_TOKEN}"));
    final ServiceDefinition query =
            ServiceDefinition.of("gemini", "generativelanguage.googleapis.com", new Injection.Query("key", "GEMINI_API_KEY"));
    final ServiceDefinition substitute = ServiceDefinition.of("anthropic", "api.anthropic.com",
            new Injection.Substitute(PLACEHOLDER, "ANTHROPIC_API_KEY", EnumSet.of(Surface.HEADER)));

    /** A typical agent request head: a dozen headers, a query string, a body announced. */
    final HttpHead plainHead = head("/v1/chat/completions?stream=true&model=gpt-5", "Bearer dummy");
    final HttpHead placeholderHead = head("/v1/messages?beta=true", null);

    byte[][] chunks = new byte[0][];

    static HttpHead head(String target, @Nullable String authorization) {
        List<HttpHead.Header> headers = new ArrayList<>(List.of(
                new HttpHead.Header("Host", "api.example.com"),
                new HttpHead.Header("User-Agent", "agent-sdk/1.42.0 (linux; x86_64) python/3.13"),
                new HttpHead.Header("Accept", "application/json"),
                new HttpHead.Header("Accept-Encoding", "gzip, deflate, br"),
                new HttpHead.Header("Content-Type", "application/json"),
                new HttpHead.Header("Content-Length", "1834"),
                new HttpHead.Header("X-Stainless-Lang", "python"),
                new HttpHead.Header("X-Stainless-Package-Version", "1.42.0"),
                new HttpHead.Header("X-Request-Id", "req_8f14e45fceea167a5a36dedd4bea2543"),
                new HttpHead.Header("Connection", "keep-alive"),
                new HttpHead.Header("Proxy-Authorization", "Basic a3dfYWd0X2JlbmNoOmRlZmF1bHQ=")));
        if (authorization != null) {
            headers.add(new HttpHead.Header("Authorization", authorization));
        } else {
            headers.add(new HttpHead.Header("x-api-key", PLACEHOLDER));
            headers.add(new HttpHead.Header("anthropic-version", "2023-06-01"));
        }
        return new HttpHead("POST", target, headers);
    }

    @Setup
    public void setup() {
        byte[] body = body();
        chunks = new byte[BODY_BYTES / CHUNK_BYTES][];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = Arrays.copyOfRange(body, i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
        }
        for (ServiceDefinition s : List.of(bearer, headerTemplate, query, substitute)) {
            HttpHead h = s == substitute ? placeholderHead : plainHead;
            if (!(Injector.apply(s, h, resolver) instanceof InjectionResult.Applied a) || !a.injected()) {
                throw new IllegalStateException("injection did not apply for " + s.name());
            }
        }
        if (substituteBody(null) != BODY_BYTES + 2 * (KEY.length - PLACEHOLDER.length())) {
            throw new IllegalStateException("body substitution did not replace both placeholders");
        }
    }

    /** A JSON-ish 64 KiB body with the placeholder once across the first chunk boundary and once inside chunk 5. */
    static byte[] body() {
        byte[] body = new byte[BODY_BYTES];
        byte[] filler = "{\"role\":\"user\",\"content\":\"lorem ipsum dolor sit amet, consectetur adipiscing\"},"
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < body.length; i++) {
            body[i] = filler[i % filler.length];
        }
        byte[] ph = PLACEHOLDER.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(ph, 0, body, CHUNK_BYTES - ph.length / 2, ph.length);
        System.arraycopy(ph, 0, body, 5 * CHUNK_BYTES + 1000, ph.length);
        return body;
    }

    @Benchmark
    public InjectionResult bearer() {
        return Injector.apply(bearer, plainHead, resolver);
    }

    @Benchmark
    public InjectionResult headerTemplate() {
        return Injector.apply(headerTemplate, plainHead, resolver);
    }

    @Benchmark
    public InjectionResult query() {
        return Injector.apply(query, plainHead, resolver);
    }

    @Benchmark
    public InjectionResult substituteHeader() {
        return Injector.apply(substitute, placeholderHead, resolver);
    }

    /** Average time per 64 KiB body; divide 64 KiB by it for throughput. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int bodySubstitution64k(Blackhole bh) {
        return substituteBody(bh);
    }

    private int substituteBody(@Nullable Blackhole bh) {
        BodySubstitution sub = new BodySubstitution(List.of(new BodySubstitution.Rule(
                PLACEHOLDER.getBytes(StandardCharsets.US_ASCII), KEY.clone())));
        int out = 0;
        for (byte[] chunk : chunks) {
            byte[] b = sub.update(chunk);
            out += b.length;
            if (bh != null) {
                bh.consume(b);
            }
        }
        byte[] last = sub.finish();
        if (bh != null) {
            bh.consume(last);
        }
        return out + last.length;
    }
}
