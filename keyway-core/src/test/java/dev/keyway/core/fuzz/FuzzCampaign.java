package dev.keyway.core.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The long fuzzing run ({@code ./mvnw -Pfuzz verify}): runs each target class named on the command
 * line under the standalone Jazzer driver in its own JVM for {@code -Dfuzz.runs} executions
 * (default one million; inputs up to {@code -Dfuzz.maxlen} bytes, default 1024), seeded with its
 * committed corpus, and appends one line per target to
 * {@code target/fuzz-results.txt}. Exits non-zero when a target finds a crash; the crashing input is
 * left in {@code target/fuzz-findings/} so it can be added to the committed corpus as a regression.
 */
public final class FuzzCampaign {
    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");

    private FuzzCampaign() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        long runs = Long.getLong("fuzz.runs", 1_000_000L);
        // inputs longer than this only slow the run down: every format here is small (a request head,
        // a path, a service list); libFuzzer's default would let them grow to 4 KB
        long maxLen = Long.getLong("fuzz.maxlen", 1024L);
        Path base = Path.of(System.getProperty("fuzz.basedir", "."));
        Path results = base.resolve("target/fuzz-results.txt");
        Path findings = Files.createDirectories(base.resolve("target/fuzz-findings"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int failed = 0;
        for (String target : args) {
            String simple = target.substring(target.lastIndexOf('.') + 1);
            Path work = Files.createDirectories(base.resolve("target/fuzz-corpus/" + simple));
            Path seeds = base.resolve("src/test/resources/fuzz/" + simple);
            List<String> cmd = new ArrayList<>(List.of(java, "-XX:+EnableDynamicAgentLoading",
                    "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                    "com.code_intelligence.jazzer.Jazzer", "--target_class=" + target,
                    "--instrumentation_includes=dev.keyway.**", "--reproducer_path=" + findings,
                    "-artifact_prefix=" + findings + "/" + simple + "-", "-runs=" + runs, "-max_len=" + maxLen, "-print_final_stats=1",
                    work.toString()));
            if (Files.isDirectory(seeds)) {
                cmd.add(seeds.toString());
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String done = null;
            String cov = "";
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("#") || line.startsWith("==") || line.startsWith("Done") || line.contains("Exception")
                            || line.startsWith("stat::")) {
                        System.out.println(simple + ": " + line);
                    }
                    Matcher m = DONE.matcher(line);
                    if (m.find()) {
                        done = m.group(1) + " executions in " + m.group(2) + " s";
                    }
                    if (line.contains(" DONE ") || line.contains("cov:")) {
                        cov = line;
                    }
                }
            }
            int rc = p.waitFor();
            String summary = Instant.now() + " " + simple + ": "
                    + (rc == 0 && done != null ? "ok, " + done : "FAILED (exit " + rc + ", finding in target/fuzz-findings)")
                    + (cov.isEmpty() ? "" : " | " + cov.trim());
            System.out.println(summary);
            Files.writeString(results, summary + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (rc != 0 || done == null) {
                failed++;
            }
        }
        if (failed > 0) {
            System.err.println(failed + " fuzz target(s) failed; see target/fuzz-findings");
            System.exit(1);
        }
    }
}
