package dev.keyway.server;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real curl binary with no inherited proxy variables. */
final class Curl {
    record Result(int exit, String out, String err) {
        /**
         * The status of the last response in {@code -D -} output: after the proxy's answer to
         * CONNECT (and any interim response), the status the upstream or Keyway gave the request.
         */
        int lastStatus() {
            int status = 0;
            for (String l : out.lines().toList()) {
                if (l.startsWith("HTTP/")) {
                    status = Integer.parseInt(l.split(" ")[1].strip());
                }
            }
            return status;
        }
    }

    private Curl() {}

    static Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(require("curl"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        for (String k : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")) {
            pb.environment().remove(k);
        }
        Path out = Files.createTempFile("curl", ".out");
        Path err = Files.createTempFile("curl", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("curl timed out");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static String require(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(program + " is required on PATH for this test (.ci/run installs it)");
    }
}
