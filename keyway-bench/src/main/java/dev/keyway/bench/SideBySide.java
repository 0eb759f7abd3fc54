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
 * Puts the {@link LoadGen} runs of several systems (direct, squid, Keyway with its audit log on
 * disk and on tmpfs) side by side, per scenario, as the medians of interleaved rounds with the
 * ratios to squid and to direct. Medians, because on a shared 2-core machine one round can be hit
 * by someone else's build; every round's raw line stays in the JSON file.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.keyway.bench.SideBySide results.jsonl}.
 */
public final class SideBySide {
    private SideBySide() {}

    /**
     * The medians of one system in one scenario.
     *
     * @param rounds how many rounds were measured
     * @param errors errors of all rounds together (a wrong or missing credential is one)
     * @param cpuUsPerReq proxy CPU per request (whole process tree), or -1 for direct
     * @param peakRssMb the largest peak RSS of any round, or -1 for direct
     */
    record Row(String scenario, String system, int rounds, long errors, double rps, double mbPerS,
               double cpuUsPerReq, double p50Ms, double p90Ms, double p99Ms, double peakRssMb) {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SideBySide RESULTS.jsonl");
            System.exit(2);
        }
        print(rows(Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)), System.out);
    }

    /** Groups the JSON lines by scenario (label) and system, in the order they first appear, and takes medians. */
    static List<Row> rows(List<String> lines) {
        JsonMapper mapper = JsonMapper.builder().build();
        Map<String, List<JsonNode>> groups = new LinkedHashMap<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                JsonNode r = mapper.readTree(line);
                groups.computeIfAbsent(r.path("label").asString() + "\u0000" + r.path("system").asString(),
                        k -> new ArrayList<>()).add(r);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (List<JsonNode> runs : groups.values()) {
            JsonNode first = runs.getFirst();
            boolean proxied = first.path("proxy_pid").asLong() > 0;
            rows.add(new Row(first.path("label").asString(), first.path("system").asString(), runs.size(),
                    runs.stream().mapToLong(r -> r.path("error_total").asLong()).sum(),
                    median(runs, r -> r.path("rps").asDouble()),
                    median(runs, r -> r.path("mb_per_s").asDouble()),
                    proxied ? median(runs, r -> r.path("proxy_cpu_us_per_req").asDouble()) : -1,
                    median(runs, r -> r.path("latency_us").path("p50").asDouble() / 1000),
                    median(runs, r -> r.path("latency_us").path("p90").asDouble() / 1000),
                    median(runs, r -> r.path("latency_us").path("p99").asDouble() / 1000),
                    proxied ? runs.stream().mapToDouble(r -> r.path("proxy_peak_rss_mb").asDouble()).max().orElse(-1) : -1));
        }
        return rows;
    }

    static double median(List<JsonNode> runs, java.util.function.ToDoubleFunction<JsonNode> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** A ratio as {@code 0.62×}, or empty when either side is missing. */
    static String ratio(double value, double base) {
        if (value < 0 || base <= 0 || Double.isNaN(value) || Double.isNaN(base)) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2f×", value / base);
    }

    static void print(List<Row> rows, PrintStream out) {
        Map<String, List<Row>> byScenario = new LinkedHashMap<>();
        rows.forEach(r -> byScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(r));
        out.println("| Scenario | System | Rounds | Errors | req/s | MB/s | Proxy CPU µs/req | p50 ms | p90 ms | p99 ms"
                + " | Peak RSS MB | req/s vs squid | CPU vs squid | p99 vs squid | req/s vs direct |");
        out.println("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for (List<Row> scenario : byScenario.values()) {
            @Nullable Row squid = find(scenario, "squid");
            @Nullable Row direct = find(scenario, "direct");
            for (Row r : scenario) {
                boolean base = r.system().equals("squid") || r.system().equals("direct");
                out.printf(Locale.ROOT, "| %s | %s | %d | %d | %.0f | %.1f | %s | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s |%n",
                        r.scenario(), r.system(), r.rounds(), r.errors(), r.rps(), r.mbPerS(),
                        r.cpuUsPerReq() < 0 ? "" : String.format(Locale.ROOT, "%.0f", r.cpuUsPerReq()),
                        r.p50Ms(), r.p90Ms(), r.p99Ms(),
                        r.peakRssMb() < 0 ? "" : String.format(Locale.ROOT, "%.0f", r.peakRssMb()),
                        base || squid == null ? "" : ratio(r.rps(), squid.rps()),
                        base || squid == null ? "" : ratio(r.cpuUsPerReq(), squid.cpuUsPerReq()),
                        base || squid == null ? "" : ratio(r.p99Ms(), squid.p99Ms()),
                        r.system().equals("direct") || direct == null ? "" : ratio(r.rps(), direct.rps()));
            }
        }
    }

    private static @Nullable Row find(List<Row> rows, String system) {
        return rows.stream().filter(r -> r.system().equals(system)).findFirst().orElse(null);
    }

}
