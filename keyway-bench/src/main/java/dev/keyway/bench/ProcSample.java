package dev.keyway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A process's CPU time and memory from Linux {@code /proc}: used to put the proxy's cost per
 * request next to the throughput it delivered.
 *
 * @param cpuTicks user plus system time, in clock ticks (USER_HZ), all threads
 * @param peakRssKb VmHWM: the largest resident set the process has had so far
 * @param rssKb VmRSS: its resident set now
 */
record ProcSample(long cpuTicks, long peakRssKb, long rssKb) {

    /** Reads the process's sample, or null when it is gone or {@code /proc} is not available. */
    static @Nullable ProcSample read(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may contain spaces and parentheses: fields resume after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14) + stime (15)
            long hwm = 0;
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = kb(line);
                } else if (line.startsWith("VmRSS:")) {
                    rss = kb(line);
                }
            }
            return new ProcSample(ticks, hwm, rss);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
