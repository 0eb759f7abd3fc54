package dev.keyway.proxy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real client program (curl, git, python3, node) and captures its output. */
final class Proc {
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit=" + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private Proc() {}

    /** The program on PATH; fails (never skips) the test when it is missing. */
    static String require(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(program + " is required on PATH for this test");
    }

    /**
     * A python3 that can import {@code requests}: the one on PATH, else Debian's /usr/bin/python3
     * (CI installs python3-requests for it). Fails, never skips, when there is none.
     */
    static String pythonWithRequests() throws IOException, InterruptedException {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            String exe = candidate.startsWith("/") ? candidate : findOnPath(candidate);
            if (exe == null || !Files.isExecutable(Path.of(exe))) {
                continue;
            }
            Process p = new ProcessBuilder(exe, "-c", "import requests").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return exe;
            }
        }
        throw new AssertionError("no python3 with the 'requests' module (apt-get install python3-requests)");
    }

    private static String findOnPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    static Result run(List<String> cmd, Map<String, String> env, Path cwd, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        Map<String, String> e = pb.environment();
        for (String k : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                "NO_PROXY", "no_proxy")) {
            e.remove(k);
        }
        e.putAll(env);
        Path out = Files.createTempFile("proc", ".out");
        Path err = Files.createTempFile("proc", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(cmd.get(0) + " timed out; stderr: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
