package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's JDK finder (bin/find-java.sh, sourced by ./keyway): picks a JDK >= 25 even when
 * JAVA_HOME and PATH point at an older one, and fails with a one-line hint when there is none.
 */
class LauncherJavaFinderTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String JAVA25 = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** A fake `java` that reports the given version, as `java -XshowSettings:properties -version` does. */
    static Path fakeJava(Path dir, int version) throws Exception {
        Path home = Files.createDirectories(dir.resolve("jdk-" + version).resolve("bin"));
        Path java = home.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho '    java.specification.version = " + version + "' >&2\n");
        java.toFile().setExecutable(true);
        return java;
    }

    static String[] run(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c",
                ". '" + ROOT.resolve("bin/find-java.sh") + "' && keyway_find_java && echo \"FOUND=$KEYWAY_JAVA_BIN\"");
        pb.environment().clear();
        pb.environment().put("HOME", System.getProperty("java.io.tmpdir"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile("finder", ".out");
        pb.redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return new String[] {Integer.toString(p.exitValue()), text};
    }

    @Test
    void prefersAJdk25FromTheJvmDirOverAnOldJavaHomeAndPath(@TempDir Path dir) throws Exception {
        Path old = fakeJava(dir.resolve("old"), 17);
        Path jvms = Files.createDirectories(dir.resolve("jvm"));
        Path newer = fakeJava(jvms, 25);
        String[] r = run(Map.of("PATH", old.getParent() + ":/usr/bin:/bin", "JAVA_HOME", old.getParent().getParent().toString(),
                "KEYWAY_JVM_DIRS", jvms + "/*"));
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(r[1]).contains("FOUND=" + newer);
    }

    @Test
    void keywayJavaWinsWhenItIsRecentEnough() throws Exception {
        String[] r = run(Map.of("PATH", "/usr/bin:/bin", "KEYWAY_JAVA", JAVA25, "KEYWAY_JVM_DIRS", "/nonexistent/*"));
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(r[1]).contains("FOUND=" + JAVA25);
    }

    @Test
    void failsNamingEveryJavaItFoundWithItsVersionAndWhereToGet25(@TempDir Path dir) throws Exception {
        Path old = fakeJava(dir, 17);
        Path jvms = Files.createDirectories(dir.resolve("jvm"));
        Path other = fakeJava(jvms, 21);
        String[] r = run(Map.of("PATH", old.getParent() + ":/usr/bin:/bin", "JAVA_HOME", old.getParent().getParent().toString(),
                "KEYWAY_JVM_DIRS", jvms + "/*"));
        assertThat(r[0]).isNotEqualTo("0");
        List<String> lines = List.of(r[1].strip().split("\n"));
        // JAVA_HOME and PATH name the same binary: listed once
        assertThat(lines.get(0)).isEqualTo("keyway: need Java 25 or newer; found " + old + " (Java 17), " + other + " (Java 21)");
        assertThat(r[1]).contains("Eclipse Temurin, https://adoptium.net/temurin/releases/?version=25")
                .contains("set JAVA_HOME or KEYWAY_JAVA")
                .contains("keyway-<version>-linux-x86_64.tar.gz, which bundles its own Java runtime");
        assertThat(lines).hasSize(3);
    }

    @Test
    void saysWhereItLookedWhenThereIsNoJavaAtAll() throws Exception {
        String[] r = run(Map.of("PATH", "/nonexistent", "KEYWAY_JVM_DIRS", "/nonexistent/*"));
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[1]).startsWith("keyway: need Java 25 or newer; found no java (looked at KEYWAY_JAVA, JAVA_HOME, PATH, /usr/lib/jvm)\n")
                .contains("adoptium.net");
    }

    @Test
    void aJavaThatPrintsNoVersionIsReportedAsUnknown(@TempDir Path dir) throws Exception {
        Path broken = Files.createDirectories(dir.resolve("bin")).resolve("java");
        Files.writeString(broken, "#!/bin/sh\nexit 1\n");
        broken.toFile().setExecutable(true);
        // PATH has the tools the finder uses (and perhaps this machine's old java, listed after it)
        String[] r = run(Map.of("PATH", "/usr/bin:/bin", "KEYWAY_JAVA", broken.toString(), "KEYWAY_JVM_DIRS", "/nonexistent/*"));
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[1]).startsWith("keyway: need Java 25 or newer; found " + broken + " (Java version unknown)");
    }
}
