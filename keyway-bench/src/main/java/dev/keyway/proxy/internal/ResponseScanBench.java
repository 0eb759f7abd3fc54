package dev.keyway.proxy.internal;

import dev.keyway.core.inject.CredentialResolver;
import dev.keyway.core.inject.HttpHead;
import dev.keyway.core.inject.InjectionResult;
import dev.keyway.core.inject.Injector;
import dev.keyway.core.inject.Redactions;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * What redaction of echoed secrets costs per response, on and off, for the two shapes of the
 * side-by-side bench: keep-alive small (a 3-byte body behind the 7-field nginx response head) and
 * a 1 MiB body read in 16 KiB parts. "On" is everything the relay adds for a request that received
 * a credential: the automaton over the injection's echo forms, the header scan and the body scan
 * into fresh pooled buffers. Both variants run the real {@link Injector#apply} of a 51-byte bearer
 * key (which builds the echo forms either way); "off" then passes the body parts on as they are, as
 * for a service with {@code redact_responses: false}, so the difference is the scan's cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResponseScanBench {
    static final byte[] KEY = "sk-bench-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG".getBytes(StandardCharsets.US_ASCII);
    static final int PART = 16 * 1024;

    @Param({"3", "1048576"})
    int bodyBytes;

    @Param({"on", "off"})
    String redact;

    final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    final CredentialResolver resolver = name -> Optional.of(KEY.clone());
    final ServiceDefinition bearer = ServiceDefinition.of("openai", "api.openai.com", new Injection.Bearer("OPENAI_API_KEY"));
    final HttpHead head = new HttpHead("GET", "/v1/models", List.of(new HttpHead.Header("Authorization", "Bearer sk-placeholder")));
    byte[] body = new byte[0];

    @Setup
    public void setup() {
        // JSON-ish text without the key: the common case, every byte goes through the automaton
        StringBuilder sb = new StringBuilder(bodyBytes);
        String line = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"content\":\"hello sk- world\"}\n";
        while (sb.length() < bodyBytes) {
            sb.append(line);
        }
        body = sb.substring(0, bodyBytes).getBytes(StandardCharsets.US_ASCII);
    }

    private static HttpHeaders nginxHead() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Server", "nginx/1.22.1");
        h.add("Date", "Mon, 07 Dec 2026 03:50:00 GMT");
        h.add("Content-Type", "application/octet-stream");
        h.add("Content-Length", "3");
        h.add("Last-Modified", "Mon, 07 Dec 2026 00:00:00 GMT");
        h.add("ETag", "\"6570f0a0-3\"");
        h.add("X-Upstream-Auth", "bearer");
        return h;
    }

    @Benchmark
    public void response(Blackhole bh) {
        HttpHeaders h = nginxHead();
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(bearer, head, resolver);
        if (redact.equals("off")) {
            a.echoes().close(); // what the policy does for redact_responses: false
            for (int off = 0; off < body.length; off += PART) {
                ByteBuf part = alloc.buffer(Math.min(PART, body.length - off));
                part.writeBytes(body, off, Math.min(PART, body.length - off));
                bh.consume(part.readableBytes());
                part.release();
            }
            bh.consume(h);
            return;
        }
        try (Redactions echoes = a.echoes()) {
            bh.consume(ResponseScan.scanHeaders(h, echoes));
            ResponseScan scan = new ResponseScan(echoes, ResponseScan.Coding.IDENTITY, alloc);
            try {
                for (int off = 0; off < body.length; off += PART) {
                    int n = Math.min(PART, body.length - off);
                    ByteBuf part = alloc.buffer(n);
                    part.writeBytes(body, off, n);
                    ByteBuf out = scan.process(part, off + n >= body.length);
                    bh.consume(out.readableBytes());
                    out.release();
                }
            } finally {
                scan.close();
            }
        }
    }

    /** Only the injection (with its echo forms), the part both variants share. */
    @Benchmark
    public Object injectOnly() {
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(bearer, head, resolver);
        a.echoes().close();
        return a;
    }
}
