package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./keyway} launcher as a user puts it on PATH: through symlinks (absolute and
 * relative, chained), and {@code ./keyway install --prefix DIR}. Runs the real script with the jar
 * this build produced ({@code KEYWAY_NO_REBUILD}: the test must not start a Maven build).
 */
class LauncherIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String JAVA25 = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    record Run(int code, String out) {}

    @BeforeAll
    static void jarIsBuilt() {
        assertThat(ROOT.resolve("keyway-dist/target/keyway.jar")).as("the shaded jar (run via 'mvnw verify')").isRegularFile();
    }

    static Run run(Map<String, String> extraEnv, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(cmd));
        pb.environment().keySet().removeIf(k -> k.startsWith("KEYWAY_"));
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("KEYWAY_JAVA", JAVA25);
        pb.environment().put("KEYWAY_NO_REBUILD", "1");
        pb.environment().putAll(extraEnv);
        Path out = Files.createTempFile("launcher", ".out");
        pb.redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return new Run(p.exitValue(), text);
    }

    static String version() {
        return "keyway " + System.getProperty("keyway.version") + " (Java 25";
    }

    @Test
    void aSymlinkedLauncherFindsItsCheckout(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Files.createSymbolicLink(a.resolve("keyway"), ROOT.resolve("keyway"));                  // absolute
        Files.createSymbolicLink(b.resolve("kw"), Path.of("..", "a", "keyway"));                 // relative, chained
        Run direct = run(Map.of(), a.resolve("keyway").toString(), "--version");
        assertThat(direct.code()).as(direct.out()).isZero();
        assertThat(direct.out()).startsWith(version()).doesNotContain("No such file");
        Run chained = run(Map.of(), b.resolve("kw").toString(), "--version");
        assertThat(chained.code()).as(chained.out()).isZero();
        assertThat(chained.out()).startsWith(version());
    }

    @Test
    void installPutsAWorkingKeywayInPrefixBin(@TempDir Path dir) throws Exception {
        Path prefix = dir.resolve("prefix");
        Run install = run(Map.of(), ROOT.resolve("keyway").toString(), "install", "--prefix", prefix.toString());
        assertThat(install.code()).as(install.out()).isZero();
        Path bin = prefix.resolve("bin").toRealPath();
        assertThat(install.out()).contains("Installed " + bin.resolve("keyway")).contains(bin + " is not on your PATH")
                .contains("export PATH=\"" + bin + ":$PATH\"");
        Run version = run(Map.of(), bin.resolve("keyway").toString(), "--version");
        assertThat(version.code()).as(version.out()).isZero();
        assertThat(version.out()).startsWith(version());

        // found as a plain 'keyway' once the prefix is on PATH; reinstalling replaces the link
        Map<String, String> onPath = Map.of("PATH", bin + ":/usr/bin:/bin");
        Run again = run(onPath, ROOT.resolve("keyway").toString(), "install", "--prefix=" + prefix);
        assertThat(again.code()).as(again.out()).isZero();
        assertThat(again.out()).contains(bin + " is on your PATH");
        Run viaPath = run(onPath, "sh", "-c", "keyway --version");
        assertThat(viaPath.code()).as(viaPath.out()).isZero();
        assertThat(viaPath.out()).startsWith(version());
    }

    @Test
    void installRefusesToReplaceAFileItDidNotWrite(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("p/bin"));
        Files.writeString(bin.resolve("keyway"), "#!/bin/sh\necho someone else's\n");
        Run r = run(Map.of(), ROOT.resolve("keyway").toString(), "install", "--prefix", dir.resolve("p").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("exists and is not a link");
        assertThat(bin.resolve("keyway")).hasContent("#!/bin/sh\necho someone else's");
        Run usage = run(Map.of(), ROOT.resolve("keyway").toString(), "install", "--prefix");
        assertThat(usage.code()).isEqualTo(1);
        assertThat(usage.out()).contains("--prefix needs a directory");
    }
}
