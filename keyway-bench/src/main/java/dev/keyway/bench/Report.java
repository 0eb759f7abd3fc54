package dev.keyway.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns the JSON lines of several {@link LoadGen} runs into markdown tables for
 * {@code docs/benchmarks.md}: one row per run, and for proxied runs the ratio to the direct run
 * with the same label (throughput kept, latency added). A second table lists streaming (SSE) runs
 * by first-byte and per-event delivery latency.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.keyway.bench.Report results.jsonl}.
 */
public final class Report {
    private Report() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report RESULTS.jsonl");
            System.exit(2);
        }
        print(Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8), System.out);
    }

    static void print(List<String> lines, PrintStream out) {
        JsonMapper mapper = JsonMapper.builder().build();
        List<JsonNode> runs = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                runs.add(mapper.readTree(line));
            }
        }
        Map<String, JsonNode> direct = new LinkedHashMap<>();
        for (JsonNode r : runs) {
            if (r.path("route").asString().equals("direct")) {
                direct.put(r.path("label").asString(), r);
            }
        }
        out.println("| Scenario | Route | Conns | req/s | MB/s | p50 ms | p90 ms | p99 ms | max ms | Errors"
                + " | Proxy CPU (1 core) | Proxy CPU µs/req | Proxy peak RSS MB | req/s vs direct | p50 vs direct | p99 vs direct |");
        out.println("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for (JsonNode r : runs) {
            if (r.path("events").asLong() > 0) {
                continue;
            }
            JsonNode d = r.path("route").asString().equals("proxy") ? direct.get(r.path("label").asString()) : null;
            JsonNode lat = r.path("latency_us");
            out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.path("label").asString(), r.path("route").asString(), r.path("concurrency").asInt(),
                    r.path("rps").asDouble(), r.path("mb_per_s").asDouble(),
                    ms(lat.path("p50")), ms(lat.path("p90")), ms(lat.path("p99")), ms(lat.path("max")),
                    errors(r),
                    optional(r.path("proxy_cpu_pct").asDouble(), "%.0f%%"),
                    optional(r.path("proxy_cpu_us_per_req").asDouble(), "%.0f"),
                    optional(r.path("proxy_peak_rss_mb").asDouble(), "%.0f"),
                    ratio(r, d, "rps"), latencyRatio(r, d, "p50"), latencyRatio(r, d, "p99"));
        }
        List<JsonNode> streams = runs.stream().filter(r -> r.path("events").asLong() > 0).toList();
        if (!streams.isEmpty()) {
            out.println();
            out.println("| Streaming scenario | Route | Conns | Streams/s | First byte p50 ms | First byte p99 ms"
                    + " | Event delivery p50 ms | Event delivery p99 ms | Event delivery max ms | Errors | First byte p50 vs direct |");
            out.println("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            for (JsonNode r : streams) {
                JsonNode d = r.path("route").asString().equals("proxy") ? direct.get(r.path("label").asString()) : null;
                JsonNode t = r.path("ttfb_us");
                JsonNode e = r.path("event_us");
                String firstRatio = d == null ? "" : String.format(Locale.ROOT, "+%.2f ms",
                        (t.path("p50").asLong() - d.path("ttfb_us").path("p50").asLong()) / 1000.0);
                out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %s | %s | %s | %s | %s | %s | %s |%n",
                        r.path("label").asString(), r.path("route").asString(), r.path("concurrency").asInt(),
                        r.path("rps").asDouble(), ms(t.path("p50")), ms(t.path("p99")),
                        ms(e.path("p50")), ms(e.path("p99")), ms(e.path("max")), errors(r), firstRatio);
            }
        }
    }

    private static String ms(JsonNode micros) {
        return String.format(Locale.ROOT, "%.2f", micros.asLong() / 1000.0);
    }

    private static String errors(JsonNode r) {
        long total = r.path("error_total").asLong();
        if (total == 0) {
            return "0";
        }
        StringBuilder s = new StringBuilder().append(total).append(" (");
        r.path("errors").properties().forEach(e -> s.append(e.getKey()).append(' ').append(e.getValue().asLong()).append(", "));
        s.setLength(s.length() - 2);
        return s.append(')').toString();
    }

    private static String optional(double v, String format) {
        return v < 0 ? "" : String.format(Locale.ROOT, format, v);
    }

    private static String ratio(JsonNode r, @Nullable JsonNode d, String field) {
        if (d == null || d.path(field).asDouble() <= 0) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2f×", r.path(field).asDouble() / d.path(field).asDouble());
    }

    private static String latencyRatio(JsonNode r, @Nullable JsonNode d, String p) {
        if (d == null || d.path("latency_us").path(p).asLong() <= 0) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2f×",
                r.path("latency_us").path(p).asDouble() / d.path("latency_us").path(p).asDouble());
    }
}
