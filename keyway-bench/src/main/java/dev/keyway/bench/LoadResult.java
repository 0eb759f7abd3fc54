package dev.keyway.bench;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one {@link LoadGen} run: throughput, latency distributions, errors by kind and
 * (when a proxy pid was given) the proxy's CPU and memory. Rendered as human text and as one JSON
 * line that {@link Report} reads back.
 *
 * @param seconds length of the measured window
 * @param stats everything the slots measured, merged
 * @param proxyCpuSeconds proxy CPU time during the window, or -1 when not sampled
 * @param proxyPeakRssKb proxy VmHWM at the end of the window, or -1
 * @param proxyRssKb proxy VmRSS at the end of the window, or -1
 * @param selfCpuSeconds this load generator's CPU time during the window, or -1
 */
record LoadResult(
        LoadGenOptions options,
        double seconds,
        SlotStats stats,
        double proxyCpuSeconds,
        long proxyPeakRssKb,
        long proxyRssKb,
        double selfCpuSeconds) {

    double rps() {
        return stats.requests / seconds;
    }

    double mbPerSecond() {
        return stats.bodyBytes / seconds / 1e6;
    }

    String route() {
        return options.viaProxy() ? "proxy" : "direct";
    }

    String mode() {
        return options.newConnection() ? "newconn" : "keepalive";
    }

    /** Proxy CPU as a percentage of one core, or -1. */
    double proxyCpuPercent() {
        return proxyCpuSeconds < 0 ? -1 : 100 * proxyCpuSeconds / seconds;
    }

    /** Proxy CPU microseconds per successful request, or -1. */
    double proxyCpuMicrosPerRequest() {
        return proxyCpuSeconds < 0 || stats.requests == 0 ? -1 : proxyCpuSeconds * 1e6 / stats.requests;
    }

    String toText() {
        StringBuilder s = new StringBuilder();
        s.append("== ").append(options.label()).append(" (").append(route()).append(") ==\n");
        s.append(String.format(Locale.ROOT, "target    %s%s, %s, %d connections, %.1f s measured after %.1f s warm-up%s%n",
                options.target(), options.viaProxy() ? " via " + options.proxyHost() + ":" + options.proxyPort() : "",
                mode(), options.concurrency(), seconds, options.warmup().toMillis() / 1000.0,
                options.tlsResume() ? ", TLS resumption on" : ""));
        s.append(String.format(Locale.ROOT, "requests  %d (%.1f req/s), %.2f MB/s response body%n",
                stats.requests, rps(), mbPerSecond()));
        s.append("latency   ").append(line(stats.latency)).append('\n');
        s.append("ttfb      ").append(line(stats.ttfb)).append('\n');
        if (stats.events.count() > 0) {
            s.append("events    ").append(stats.events.count()).append(" SSE events, upstream send to receipt: ")
                    .append(line(stats.events)).append('\n');
        }
        if (stats.errors.isEmpty()) {
            s.append("errors    none");
        } else {
            s.append("errors    ").append(stats.errors.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));
        }
        s.append(stats.warmupErrors > 0 ? " (" + stats.warmupErrors + " during warm-up)" : "").append('\n');
        stats.firstMessages.forEach((k, v) -> s.append("          first ").append(k).append(": ").append(v).append('\n'));
        if (proxyCpuSeconds >= 0) {
            s.append(String.format(Locale.ROOT, "proxy     pid %d: %.1f%% of one core, %.1f µs CPU/request, peak RSS %.1f MB (now %.1f MB)%n",
                    options.samplePid(), proxyCpuPercent(), proxyCpuMicrosPerRequest(), proxyPeakRssKb / 1024.0,
                    proxyRssKb / 1024.0));
        }
        if (selfCpuSeconds >= 0) {
            s.append(String.format(Locale.ROOT, "loadgen   %.1f%% of one core%n", 100 * selfCpuSeconds / seconds));
        }
        return s.toString();
    }

    private static String line(LatencyRecorder r) {
        return String.format(Locale.ROOT, "p50 %s  p90 %s  p99 %s  max %s  (mean %s, n=%d)", ms(r.percentile(50)),
                ms(r.percentile(90)), ms(r.percentile(99)), ms(r.max()), ms(Math.round(r.mean())), r.count());
    }

    private static String ms(long micros) {
        return micros < 10_000 ? String.format(Locale.ROOT, "%.2f ms", micros / 1000.0)
                : String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }

    String toJson() {
        StringBuilder j = new StringBuilder("{");
        field(j, "label", str(options.label()));
        field(j, "route", str(route()));
        field(j, "mode", str(mode()));
        field(j, "system", str(options.system() == null ? route() : options.system()));
        field(j, "round", Integer.toString(options.round()));
        field(j, "target", str(options.target().toString()));
        field(j, "concurrency", Integer.toString(options.concurrency()));
        field(j, "seconds", num(seconds));
        field(j, "tls_resume", Boolean.toString(options.tlsResume()));
        field(j, "requests", Long.toString(stats.requests));
        field(j, "rps", num(rps()));
        field(j, "body_bytes", Long.toString(stats.bodyBytes));
        field(j, "mb_per_s", num(mbPerSecond()));
        field(j, "latency_us", dist(stats.latency));
        field(j, "ttfb_us", dist(stats.ttfb));
        field(j, "events", Long.toString(stats.events.count()));
        field(j, "event_us", dist(stats.events));
        field(j, "errors", map(stats.errors));
        field(j, "error_total", Long.toString(stats.errorCount()));
        field(j, "warmup_errors", Long.toString(stats.warmupErrors));
        field(j, "proxy_pid", Long.toString(options.samplePid()));
        field(j, "proxy_cpu_pct", num(proxyCpuPercent()));
        field(j, "proxy_cpu_us_per_req", num(proxyCpuMicrosPerRequest()));
        field(j, "proxy_peak_rss_mb", num(proxyPeakRssKb < 0 ? -1 : proxyPeakRssKb / 1024.0));
        field(j, "proxy_rss_mb", num(proxyRssKb < 0 ? -1 : proxyRssKb / 1024.0));
        field(j, "loadgen_cpu_pct", num(selfCpuSeconds < 0 ? -1 : 100 * selfCpuSeconds / seconds));
        j.setLength(j.length() - 1);
        return j.append('}').toString();
    }

    private static void field(StringBuilder j, String name, String json) {
        j.append(str(name)).append(':').append(json).append(',');
    }

    private static String dist(LatencyRecorder r) {
        return String.format(Locale.ROOT, "{\"p50\":%d,\"p90\":%d,\"p99\":%d,\"max\":%d,\"mean\":%s,\"count\":%d}",
                r.percentile(50), r.percentile(90), r.percentile(99), r.max(), num(r.mean()), r.count());
    }

    private static String map(Map<String, Long> m) {
        return m.entrySet().stream().map(e -> str(e.getKey()) + ":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static String num(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "null";
    }

    static String str(@Nullable String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
