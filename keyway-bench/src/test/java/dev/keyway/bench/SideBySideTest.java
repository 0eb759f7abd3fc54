package dev.keyway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SideBySideTest {

    private static String run(String system, int round, double rps, double cpu, long p99us, double rss, long errors) {
        boolean proxied = !system.equals("direct");
        return "{\"label\":\"keepalive small\",\"system\":\"" + system + "\",\"round\":" + round + ",\"rps\":" + rps
                + ",\"mb_per_s\":0.1,\"latency_us\":{\"p50\":100,\"p90\":200,\"p99\":" + p99us + "},\"error_total\":" + errors
                + ",\"proxy_pid\":" + (proxied ? 7 : 0) + ",\"proxy_cpu_us_per_req\":" + (proxied ? cpu : -1)
                + ",\"proxy_peak_rss_mb\":" + (proxied ? rss : -1) + "}";
    }

    @Test
    void mediansPerSystemAcrossRoundsErrorsSummedPeakRssIsTheLargest() {
        List<SideBySide.Row> rows = SideBySide.rows(List.of(
                run("direct", 1, 1000, 0, 300, 0, 0), run("squid", 1, 500, 100, 2000, 40, 0),
                run("keyway", 1, 900, 50, 1000, 120, 1),
                run("direct", 2, 3000, 0, 100, 0, 0), run("squid", 2, 600, 90, 1800, 44, 0),
                run("keyway", 2, 700, 70, 3000, 110, 0),
                run("direct", 3, 2000, 0, 200, 0, 0), run("squid", 3, 400, 95, 2200, 42, 0),
                run("keyway", 3, 800, 60, 2000, 100, 2)));
        assertThat(rows).extracting(SideBySide.Row::system).containsExactly("direct", "squid", "keyway");
        SideBySide.Row kw = rows.get(2);
        assertThat(kw.rounds()).isEqualTo(3);
        assertThat(kw.errors()).isEqualTo(3);
        assertThat(kw.rps()).isEqualTo(800);
        assertThat(kw.cpuUsPerReq()).isEqualTo(60);
        assertThat(kw.p99Ms()).isEqualTo(2.0);
        assertThat(kw.peakRssMb()).isEqualTo(120);
        assertThat(rows.get(0).cpuUsPerReq()).isEqualTo(-1);
        assertThat(rows.get(0).rps()).isEqualTo(2000);
        assertThat(rows.get(1).rps()).isEqualTo(500);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SideBySide.print(rows, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String keywayLine = bytes.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("| keepalive small | keyway |")).findFirst().orElseThrow();
        // req/s 800 vs squid 500 = 1.60×, CPU 60 vs 95 = 0.63×, p99 2.0 vs 2.0 ms = 1.00×, req/s vs direct 0.40×
        assertThat(keywayLine).endsWith("| 1.60× | 0.63× | 1.00× | 0.40× |");
    }

    @Test
    void evenNumberOfRoundsAveragesTheMiddleTwo() {
        assertThat(SideBySide.rows(List.of(run("squid", 1, 100, 10, 1000, 40, 0), run("squid", 2, 300, 30, 1000, 40, 0)))
                .getFirst().rps()).isEqualTo(200);
    }

    @Test
    void ratioIsEmptyWithoutABase() {
        assertThat(SideBySide.ratio(5, 0)).isEmpty();
        assertThat(SideBySide.ratio(-1, 5)).isEmpty();
        assertThat(SideBySide.ratio(3, 2)).isEqualTo("1.50×");
    }
}
