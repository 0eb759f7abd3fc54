package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SourceFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code env}, {@code file} and {@code exec} source types against the real environment, files and processes. */
class LocalSourcesTest {
    @TempDir
    Path dir;

    static String text(Fetched f) {
        return new String(f.value(), StandardCharsets.UTF_8);
    }

    static SourceFailure.Kind kind(ThrowingFetch f) {
        try {
            f.run();
        } catch (SourceFailure e) {
            return e.kind();
        }
        throw new AssertionError("no failure");
    }

    interface ThrowingFetch {
        void run() throws SourceFailure;
    }

    @Test
    void envReadsTheServersEnvironment() throws Exception {
        EnvSource s = new EnvSource(Map.of("API_KEY", "from-env")::get);
        assertThat(text(s.fetch("API_KEY"))).isEqualTo("from-env");
        assertThat(kind(() -> s.fetch("MISSING"))).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(kind(() -> s.fetch("BAD NAME"))).isEqualTo(SourceFailure.Kind.BAD_REF);
    }

    @Test
    void fileMustBeOwnerOnlyAndIsReadAtEachFetch() throws Exception {
        FileSource s = new FileSource();
        Path f = dir.resolve("secret");
        Files.writeString(f, "file-value\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(kind(() -> s.fetch(f.toString()))).as("world-readable refused").isEqualTo(SourceFailure.Kind.AUTH);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThat(text(s.fetch(f.toString()))).isEqualTo("file-value");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(f, "changed\r\n");
        assertThat(text(s.fetch(f.toString()))).isEqualTo("changed");
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, f);
        assertThat(kind(() -> s.fetch(link.toString()))).as("symlink refused").isNotNull();
        assertThatThrownBy(() -> s.fetch(link.toString())).isInstanceOf(SourceFailure.class);
        assertThat(kind(() -> s.fetch(dir.resolve("none").toString()))).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThat(kind(() -> s.fetch("relative/path"))).isEqualTo(SourceFailure.Kind.BAD_REF);
    }

    @Test
    void execRunsArgvWithoutAShellTrimsStdoutAndKeepsTheValueOutOfErrors() throws Exception {
        ExecSource echo = new ExecSource("t", List.of("printf", "  %s-value\\n", "{ref}"), Duration.ofSeconds(10), List.of());
        assertThat(text(echo.fetch("abc"))).isEqualTo("abc-value");
        // the reference is one argument, never parsed by a shell
        assertThat(text(echo.fetch("x; touch " + dir.resolve("pwned")))).startsWith("x; touch");
        assertThat(dir.resolve("pwned")).doesNotExist();
        ExecSource env = new ExecSource("t", List.of("sh", "-c", "printf %s \"${SECRET_FROM_PARENT:-unset}\""),
                Duration.ofSeconds(10), List.of());
        assertThat(text(env.fetch("r"))).as("minimal environment").isEqualTo("unset");
        ExecSource failing = new ExecSource("t", List.of("sh", "-c", "echo 'item not found' >&2; exit 3"),
                Duration.ofSeconds(10), List.of());
        assertThatThrownBy(() -> failing.fetch("r")).isInstanceOfSatisfying(SourceFailure.class,
                e -> assertThat(e.getMessage()).contains("exited with 3").contains("item not found"));
        ExecSource slow = new ExecSource("t", List.of("sleep", "30"), Duration.ofSeconds(1), List.of());
        assertThat(kind(() -> slow.fetch("r"))).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        assertThat(ExecSource.scrub("warning: printed hunter2 to stdout".getBytes(StandardCharsets.UTF_8),
                "hunter2".getBytes(StandardCharsets.UTF_8))).doesNotContain("hunter2");
        ExecSource missing = new ExecSource("t", List.of("/nonexistent/tool"), Duration.ofSeconds(5), List.of());
        assertThat(kind(() -> missing.fetch("r"))).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
    }
}
