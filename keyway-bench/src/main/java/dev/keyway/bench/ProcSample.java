package dev.keyway.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A process tree's CPU time and memory from Linux {@code /proc}: used to put a proxy's cost per
 * request next to the throughput it delivered. The whole tree counts, because squid does part of
 * its work in child processes (its worker kid, the certificate generator helpers); for Keyway the
 * tree is the one JVM.
 *
 * @param cpuTicks user plus system time, in clock ticks (USER_HZ), all threads of all live
 *     processes of the tree
 * @param peakRssKb VmHWM summed over the tree: the largest resident set each process has had
 *     (since its start or the last {@link #resetPeak})
 * @param rssKb VmRSS summed over the tree: its resident set now
 */
record ProcSample(long cpuTicks, long peakRssKb, long rssKb) {

    /** Reads the sample of the process and its live descendants, or null when it is gone or {@code /proc} is not there. */
    static @Nullable ProcSample read(long pid) {
        List<Long> tree = tree(pid);
        if (tree.isEmpty()) {
            return null;
        }
        long ticks = 0;
        long hwm = 0;
        long rss = 0;
        for (long p : tree) {
            try {
                String[] f = statFields(Files.readString(Path.of("/proc", Long.toString(p), "stat")));
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14) + stime (15)
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p), "status"))) {
                    if (line.startsWith("VmHWM:")) {
                        hwm += kb(line);
                    } else if (line.startsWith("VmRSS:")) {
                        rss += kb(line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (p == pid) {
                    return null; // the root is gone; a child that exited meanwhile just stops counting
                }
            }
        }
        return new ProcSample(ticks, hwm, rss);
    }

    /**
     * Resets the peak RSS (VmHWM) of the process and its descendants to their current RSS
     * ({@code echo 5 > /proc/PID/clear_refs}), so that the peak read after a run is the peak of
     * that run, not of an earlier scenario. Returns false when that is not allowed (not our process).
     */
    static boolean resetPeak(long pid) {
        boolean all = true;
        for (long p : tree(pid)) {
            try {
                Files.writeString(Path.of("/proc", Long.toString(p), "clear_refs"), "5");
            } catch (IOException | RuntimeException e) {
                all = false;
            }
        }
        return all;
    }

    /** The process and its live descendants (by the parent pid in {@code /proc/N/stat}), root first. */
    static List<Long> tree(long root) {
        if (!Files.isDirectory(Path.of("/proc", Long.toString(root)))) {
            return List.of();
        }
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : procs) {
                try {
                    String[] f = statFields(Files.readString(d.resolve("stat")));
                    children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>())
                            .add(Long.parseLong(d.getFileName().toString()));
                } catch (IOException | RuntimeException e) {
                    // exited while we looked
                }
            }
        } catch (IOException e) {
            return List.of(root);
        }
        List<Long> out = new ArrayList<>();
        Deque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long p = todo.pop();
            out.add(p);
            todo.addAll(children.getOrDefault(p, List.of()));
        }
        return out;
    }

    /** Fields of {@code /proc/N/stat} after the command name, from field 3 (state) on. */
    static String[] statFields(String stat) {
        // the command name (field 2) may contain spaces and parentheses: fields resume after the last ')'
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
