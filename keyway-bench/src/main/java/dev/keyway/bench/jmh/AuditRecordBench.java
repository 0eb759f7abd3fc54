package dev.keyway.bench.jmh;

import dev.keyway.store.audit.AuditJson;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * Serialising one proxy {@code request} audit record (the shape written twice per injected request):
 * the {@link AuditJson} writer the server uses, against the {@code LinkedHashMap} + Jackson path it
 * replaced. Both produce the same JSON.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuditRecordBench {
    private final JsonMapper mapper = JsonMapper.builder().build();
    private final String time = Instant.parse("2026-11-23T08:00:00.123Z").toString();
    private final List<String> credentials = List.of("OPENAI_API_KEY");

    @Benchmark
    public byte[] auditJson() {
        return new AuditJson().put("type", "request").put("time", time).put("request_id", "req_01JD2K3M4N5P6Q7R8S9T")
                .put("vault", "default").put("token_id", "tok_01JD2K3M4N5P6Q7R8S9T").put("actor", "agent:claude")
                .put("client", "127.0.0.1:53412").put("method", "POST").put("host", "api.openai.com").put("port", 443)
                .put("path", "/v1/chat/completions").put("service", "openai").put("injected", true)
                .put("credentials", credentials).put("status", 200).put("bytes_in", 512).put("bytes_out", 2048)
                .put("duration_ms", 3).put("mode", "intercept").toBytes();
    }

    @Benchmark
    public byte[] jacksonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "request");
        m.put("time", time);
        m.put("request_id", "req_01JD2K3M4N5P6Q7R8S9T");
        m.put("vault", "default");
        m.put("token_id", "tok_01JD2K3M4N5P6Q7R8S9T");
        m.put("actor", "agent:claude");
        m.put("client", "127.0.0.1:53412");
        m.put("method", "POST");
        m.put("host", "api.openai.com");
        m.put("port", 443);
        m.put("path", "/v1/chat/completions");
        m.put("service", "openai");
        m.put("injected", true);
        m.put("credentials", credentials);
        m.put("status", 200);
        m.put("bytes_in", 512L);
        m.put("bytes_out", 2048L);
        m.put("duration_ms", 3L);
        m.put("mode", "intercept");
        return mapper.writeValueAsBytes(m);
    }
}
