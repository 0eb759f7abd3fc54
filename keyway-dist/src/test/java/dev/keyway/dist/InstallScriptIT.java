package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code contrib/install.sh} and {@code contrib/systemd/keyway.service}: the script run for real into
 * a staging root ({@code --destdir}; a test must not create users or units on the machine), checking
 * every file, mode and owner, the user it creates, idempotence and {@code --uninstall}; the installed
 * launcher running the shaded jar; and the unit passing {@code systemd-analyze verify} with no
 * warning (CI installs Debian's {@code systemd} for it).
 */
class InstallScriptIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path SCRIPT = ROOT.resolve("contrib/install.sh");
    static final String JAVA25 = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final boolean ROOT_USER = "root".equals(System.getProperty("user.name"));

    record Run(int code, String out) {}

    @BeforeAll
    static void jarIsBuilt() {
        assertThat(ROOT.resolve("keyway-dist/target/keyway.jar")).as("the shaded jar (run via 'mvnw verify')").isRegularFile();
    }

    static Run run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(cmd));
        pb.environment().keySet().removeIf(k -> k.startsWith("KEYWAY_") || k.equals("DESTDIR"));
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("install", ".out");
        pb.redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return new Run(p.exitValue(), text);
    }

    static Run install(Path destdir, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString(), "--destdir", destdir.toString(), "--java", JAVA25));
        cmd.addAll(List.of(extra));
        return run(Map.of(), cmd.toArray(String[]::new));
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    static int uid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:uid");
    }

    static int gid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:gid");
    }

    /** The passwd line of {@code keyway} in the staged root. */
    static String[] passwd(Path d) throws Exception {
        List<String> lines = Files.readAllLines(d.resolve("etc/passwd")).stream().filter(l -> l.startsWith("keyway:")).toList();
        assertThat(lines).as("exactly one keyway user").hasSize(1);
        return lines.getFirst().split(":");
    }

    @Test
    void installsFilesModesAndUserIdempotentlyAndUninstalls(@TempDir Path d) throws Exception {
        Run first = install(d);
        assertThat(first.code()).as(first.out()).isZero();

        Path bin = d.resolve("usr/local/bin/keyway");
        Path jar = d.resolve("usr/local/lib/keyway/keyway.jar");
        Path unit = d.resolve("etc/systemd/system/keyway.service");
        Path data = d.resolve("var/lib/keyway");
        Path conf = d.resolve("etc/keyway");
        Path env = conf.resolve("keyway.env");
        assertThat(mode(bin)).isEqualTo("rwxr-xr-x");
        assertThat(mode(jar)).isEqualTo("rw-r--r--");
        assertThat(Files.mismatch(jar, ROOT.resolve("keyway-dist/target/keyway.jar"))).isEqualTo(-1L);
        assertThat(mode(d.resolve("usr/local/lib/keyway/server-jvm-opts.sh"))).isEqualTo("rw-r--r--");
        assertThat(mode(unit)).isEqualTo("rw-r--r--");
        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(conf)).isEqualTo("rwxr-x---");
        assertThat(mode(env)).isEqualTo("rw-r-----");
        assertThat(Files.readString(d.resolve("usr/lib/sysusers.d/keyway.conf"))).startsWith("u keyway - ");

        // the system user, created in the staged root: no login shell, home = the data dir
        String[] user = passwd(d);
        assertThat(user[5]).isEqualTo("/var/lib/keyway");
        assertThat(user[6]).isEqualTo("/usr/sbin/nologin");
        if (ROOT_USER) {
            assertThat(uid(data)).isEqualTo(Integer.parseInt(user[2]));
            assertThat(gid(data)).isEqualTo(Integer.parseInt(user[3]));
            assertThat(uid(env)).isZero();
            assertThat(gid(env)).isEqualTo(Integer.parseInt(user[3]));
        }

        // the launcher runs the installed jar (its paths are the target's: point them at the staging root to run it here)
        String launcher = Files.readString(bin);
        assertThat(launcher).contains("-jar \"/usr/local/lib/keyway/keyway.jar\"").contains(JAVA25);
        Path runnable = d.resolve("keyway-here");
        Files.writeString(runnable, launcher.replace("/usr/local/lib/keyway", d.resolve("usr/local/lib/keyway").toString()));
        Run version = run(Map.of(), "bash", runnable.toString(), "--version");
        assertThat(version.code()).as(version.out()).isZero();
        assertThat(version.out()).startsWith("keyway " + System.getProperty("keyway.version"));
        Files.delete(runnable);

        // idempotent: a second run changes nothing and keeps an operator's edits
        Files.writeString(env, "KEYWAY_SERVER_ARGS=--metrics-addr 127.0.0.1:9792\n");
        Files.writeString(data.resolve("keyway.db"), "not really a database");
        Run again = install(d);
        assertThat(again.code()).as(again.out()).isZero();
        assertThat(Files.readString(env)).isEqualTo("KEYWAY_SERVER_ARGS=--metrics-addr 127.0.0.1:9792\n");
        assertThat(mode(env)).isEqualTo("rw-r-----");
        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(data.resolve("keyway.db")).exists();
        passwd(d);

        // uninstall: the service goes, the vault and the edited config stay
        Run un = install(d, "--uninstall");
        assertThat(un.code()).as(un.out()).isZero();
        assertThat(un.out()).contains("kept /etc/keyway/keyway.env (edited)").contains("kept /var/lib/keyway");
        assertThat(unit).doesNotExist();
        assertThat(bin).doesNotExist();
        assertThat(jar).doesNotExist();
        assertThat(data.resolve("keyway.db")).exists();
        assertThat(env).exists();

        // an unedited config is removed with the rest
        Path fresh = d.resolve("fresh");
        assertThat(install(fresh).code()).isZero();
        assertThat(install(fresh, "--uninstall").code()).isZero();
        assertThat(fresh.resolve("etc/keyway")).doesNotExist();
        assertThat(fresh.resolve("var/lib/keyway")).exists();
    }

    @Test
    void prefixMovesTheCommandAndTheUnitFollows(@TempDir Path d) throws Exception {
        Run r = install(d, "--prefix", "/opt/keyway");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(d.resolve("opt/keyway/bin/keyway")).isExecutable();
        assertThat(d.resolve("opt/keyway/lib/keyway/keyway.jar")).isRegularFile();
        assertThat(Files.readString(d.resolve("etc/systemd/system/keyway.service")))
                .contains("ExecStart=/opt/keyway/bin/keyway server --data-dir /var/lib/keyway").doesNotContain("/usr/local/bin");
    }

    @Test
    void badInvocationsFailBeforeTouchingAnything(@TempDir Path d) throws Exception {
        assertThat(install(d, "--prefix", "relative/dir").code()).isEqualTo(1);
        assertThat(install(d, "--bogus").code()).isEqualTo(1);
        assertThat(install(d, "--jar", d.resolve("missing.jar").toString()).code()).isEqualTo(1);
        Run oldJava = run(Map.of(), "bash", SCRIPT.toString(), "--destdir", d.toString(), "--java", "/bin/false");
        assertThat(oldJava.code()).isEqualTo(1);
        assertThat(oldJava.out()).contains("Keyway needs 25 or later");
        try (var s = Files.list(d)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    /** The hardening the unit must carry (issue 13, part 5). */
    static final List<String> HARDENING = List.of("User=keyway", "ProtectSystem=strict", "ReadWritePaths=/var/lib/keyway",
            "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service", "LockPersonality=yes",
            "RestrictNamespaces=yes", "UMask=0077");

    @Test
    void unitPassesSystemdAnalyzeVerifyWithoutWarnings(@TempDir Path d) throws Exception {
        String unit = Files.readString(ROOT.resolve("contrib/systemd/keyway.service"));
        for (String h : HARDENING) {
            assertThat(unit).as("hardening %s", h.strip()).contains("\n" + h.strip() + (h.endsWith("\n") ? "\n" : ""));
        }
        assertThat(unit).as("the JVM's JIT needs W+X memory").doesNotContainPattern("(?m)^MemoryDenyWriteExecute=");

        Run r = install(d);
        assertThat(r.code()).as(r.out()).isZero();
        // verify checks that ExecStart exists: point it at the staged launcher (verify runs against this machine's /)
        Path staged = Files.createDirectories(d.resolve("verify")).resolve("keyway.service");
        Files.writeString(staged, Files.readString(d.resolve("etc/systemd/system/keyway.service"))
                .replace("ExecStart=/usr/local/bin/keyway", "ExecStart=" + d.resolve("usr/local/bin/keyway")));
        Run verify = run(Map.of("SYSTEMD_LOG_COLOR", "0"), "systemd-analyze", "verify", "--man=no", staged.toString());
        assertThat(verify.code()).as(verify.out()).isZero();
        assertThat(verify.out()).as("systemd-analyze warnings").isBlank();

        // the check can fail: a misspelt directive is reported
        Path typo = Files.createDirectories(d.resolve("typo")).resolve("keyway.service");
        Files.writeString(typo, Files.readString(staged).replace("ProtectSystem=strict", "ProtectSystm=strict"));
        Run bad = run(Map.of("SYSTEMD_LOG_COLOR", "0"), "systemd-analyze", "verify", "--man=no", typo.toString());
        assertThat(bad.out()).contains("Unknown key 'ProtectSystm'");
    }
}
