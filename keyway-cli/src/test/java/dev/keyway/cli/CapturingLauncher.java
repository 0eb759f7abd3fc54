package dev.keyway.cli;

import dev.keyway.cli.run.ChildLauncher;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Starts the child for real, with exactly the environment given, capturing its output instead of inheriting the terminal. */
final class CapturingLauncher implements ChildLauncher {
    @Nullable List<String> command;
    @Nullable Map<String, String> env;
    String out = "";
    String err = "";
    @Nullable Path cwd;

    CapturingLauncher in(Path dir) {
        this.cwd = dir;
        return this;
    }

    @Override
    public int run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        Path o = Files.createTempFile("child", ".out");
        Path e = Files.createTempFile("child", ".err");
        pb.redirectOutput(o.toFile()).redirectError(e.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("child timed out: " + command);
            }
            return p.exitValue();
        } finally {
            out = Files.readString(o, StandardCharsets.UTF_8);
            err = Files.readString(e, StandardCharsets.UTF_8);
            Files.deleteIfExists(o);
            Files.deleteIfExists(e);
        }
    }

    boolean started() {
        return command != null;
    }
}
