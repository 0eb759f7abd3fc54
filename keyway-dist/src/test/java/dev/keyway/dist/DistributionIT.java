package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The self-contained distribution as a user gets it: {@code keyway-<version>-linux-x86_64.tar.gz},
 * unpacked with {@code tar} into a temp dir and run with {@code JAVA_HOME} unset and a PATH on which
 * there is no {@code java} at all (this machine has one in /usr/bin, so the PATH is a directory of
 * links to the few tools the launcher uses). {@code bin/keyway --version}, a real server start on
 * free ports with a temp data dir (waits for /health, uses the CLI against it, stops it), the
 * completion scripts and man page in it, and the fixed jlink module list against jdeps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistributionIT {
    static final Path TARGET = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath().getParent();
    static final String VERSION = System.getProperty("keyway.version");

    Path work;
    Path home;       // keyway-<version>/ inside the unpacked tarball
    Path noJavaPath; // the only PATH entry of every process below

    record Run(int code, String out) {}

    static boolean linuxX64() {
        return System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64");
    }

    @BeforeAll
    void unpack() throws Exception {
        assumeTrue(linuxX64(), "the tarball is built on Linux x86-64 only");
        Path tarball = TARGET.resolve("keyway-" + VERSION + "-linux-x86_64.tar.gz");
        assertThat(tarball).as("built in the package phase").isRegularFile();
        work = Files.createDirectories(TARGET.resolve("it-work").resolve("DistributionIT-" + System.currentTimeMillis()));
        noJavaPath = Files.createDirectories(work.resolve("tools"));
        for (String tool : List.of("bash", "dirname", "readlink", "tar", "gzip", "sh", "ls")) {
            Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + tool + " on this machine"));
            Files.createSymbolicLink(noJavaPath.resolve(tool), real);
        }
        Path unpacked = Files.createDirectories(work.resolve("opt"));
        Run tar = run(Map.of(), unpacked, "tar", "-xzf", tarball.toString());
        assertThat(tar.code()).as(tar.out()).isZero();
        home = unpacked.resolve("keyway-" + VERSION);
        assertThat(home.resolve("bin/keyway")).isExecutable();
    }

    /** A process with only HOME and the java-less PATH in its environment (no JAVA_HOME, no KEYWAY_*). */
    ProcessBuilder builder(Map<String, String> env, Path dir, String... cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", noJavaPath.toString());
        pb.environment().put("HOME", work.toString());
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb;
    }

    Run run(Map<String, String> env, Path dir, String... cmd) throws Exception {
        Path out = Files.createTempFile(work, "run", ".out");
        Process p = builder(env, dir, cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    @Test
    void theEnvironmentReallyHasNoJava() throws Exception {
        Run which = run(Map.of(), work, "bash", "-c", "command -v java || echo none; echo \"JAVA_HOME=${JAVA_HOME-unset}\"");
        assertThat(which.out()).isEqualTo("none\nJAVA_HOME=unset\n");
    }

    @Test
    void versionRunsOnTheBundledRuntime() throws Exception {
        Run v = run(Map.of(), work, home.resolve("bin/keyway").toString(), "--version");
        assertThat(v.code()).as(v.out()).isZero();
        assertThat(v.out()).startsWith("keyway " + VERSION + " (Java 25");
        // through a symbolic link, as when bin/keyway is linked into ~/.local/bin
        Path link = Files.createSymbolicLink(Files.createDirectories(work.resolve("linkbin")).resolve("keyway"), home.resolve("bin/keyway"));
        Run viaLink = run(Map.of(), work, link.toString(), "--version");
        assertThat(viaLink.code()).as(viaLink.out()).isZero();
        assertThat(viaLink.out()).startsWith("keyway " + VERSION);
    }

    /**
     * The AOT cache built for the bundled runtime (lib/keyway.aot) is used by client commands while its
     * stamp has the jar's mtime, and ignored, with the same answer, once it does not (a replaced jar):
     * class loading says where dev.keyway.dist.Main came from.
     */
    @Test
    void theAotCacheIsUsedOnlyWhileItsStampMatchesTheJar() throws Exception {
        Path stamp = home.resolve("lib/keyway.aot.stamp");
        Path jar = home.resolve("lib/keyway.jar");
        assertThat(home.resolve("lib/keyway.aot")).isRegularFile();
        assertThat(home.resolve("lib/keyway-server.aot")).as("the server's cache, same stamp").isRegularFile();
        assertThat(Files.getLastModifiedTime(stamp)).as("tar kept the stamp's mtime").isEqualTo(Files.getLastModifiedTime(jar));
        Map<String, String> logClasses = Map.of("KEYWAY_JAVA_OPTS", "-Xlog:class+load=info:stdout");
        Run cached = run(logClasses, work, home.resolve("bin/keyway").toString(), "--version");
        assertThat(cached.code()).as(cached.out()).isZero();
        assertThat(cached.out()).contains("dev.keyway.dist.Main source: shared objects file").contains("keyway " + VERSION);
        FileTime original = Files.getLastModifiedTime(stamp);
        try {
            Files.setLastModifiedTime(stamp, FileTime.fromMillis(original.toMillis() - 60_000));
            Run stale = run(logClasses, work, home.resolve("bin/keyway").toString(), "--version");
            assertThat(stale.code()).as(stale.out()).isZero();
            assertThat(stale.out()).contains("dev.keyway.dist.Main source: file:").doesNotContain("shared objects file")
                    .contains("keyway " + VERSION);
        } finally {
            Files.setLastModifiedTime(stamp, original);
        }
    }

    /** A java on PATH and a JAVA_HOME (here: decoys that fail loudly) are never used: only the bundled runtime. */
    @Test
    void javaHomeAndAJavaOnPathAreIgnored() throws Exception {
        Path decoyHome = Files.createDirectories(work.resolve("decoy-jdk/bin"));
        Path decoy = decoyHome.resolve("java");
        Files.writeString(decoy, "#!/bin/sh\necho 'DECOY JAVA RAN'\nexit 3\n");
        decoy.toFile().setExecutable(true);
        Run v = run(Map.of("JAVA_HOME", decoyHome.getParent().toString(), "PATH", decoyHome + ":" + noJavaPath,
                "KEYWAY_JAVA", decoy.toString()), work, home.resolve("bin/keyway").toString(), "--version");
        assertThat(v.code()).as(v.out()).isZero();
        assertThat(v.out()).startsWith("keyway " + VERSION + " (Java 25").doesNotContain("DECOY");
    }

    @Test
    void aServerStartsAnswersTheCliAndStops() throws Exception {
        Path data = work.resolve("data");
        int api = KeywayJar.freePort();
        int proxy = KeywayJar.freePort();
        Path err = work.resolve("server.err");
        Process server = builder(Map.of(), work, home.resolve("bin/keyway").toString(), "server", "--data-dir", data.toString(),
                "--api-addr", "127.0.0.1:" + api, "--proxy-addr", "127.0.0.1:" + proxy)
                .redirectOutput(work.resolve("server.out").toFile()).redirectError(err.toFile()).start();
        try {
            awaitHealthy(server, "http://127.0.0.1:" + api, err);
            // the launcher exec'd the bundled java: the server process is it
            assertThat(Path.of("/proc", Long.toString(server.pid()), "exe").toRealPath())
                    .isEqualTo(home.resolve("runtime/bin/java").toRealPath());
            // and it runs with the server's AOT cache mapped (lib/keyway-server.aot, same stamp as the client's)
            assertThat(Files.readString(Path.of("/proc", Long.toString(server.pid()), "maps")))
                    .contains(home.resolve("lib/keyway-server.aot").toRealPath().toString());
            Run vaults = run(Map.of("KEYWAY_HOME", data.toString()), work, home.resolve("bin/keyway").toString(), "vault", "list");
            assertThat(vaults.code()).as(vaults.out()).isZero();
            assertThat(vaults.out()).contains("default");
        } finally {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
                throw new AssertionError("the server did not stop within 30 s of SIGTERM");
            }
        }
        assertThat(server.exitValue()).as(Files.readString(err)).isEqualTo(143);
        assertThat(data.resolve("server.json")).as("a clean stop removes its record").doesNotExist();
        assertThat(Files.readString(err)).as("no JVM AOT/CDS warnings in the server's log").doesNotContain("[aot").doesNotContain("[cds");
    }

    static void awaitHealthy(Process p, String api, Path err) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).connectTimeout(Duration.ofSeconds(5)).build();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            assertThat(p.isAlive()).as(() -> "server exited before it was healthy:\n" + read(err)).isTrue();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/health")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server not healthy within 60 s:\n" + read(err));
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void completionScriptsAndManPageAreInIt() throws Exception {
        assertThat(Files.readString(home.resolve("share/bash-completion/completions/keyway"))).contains("complete -F").contains("set-services");
        assertThat(Files.readString(home.resolve("share/zsh/keyway.zsh"))).contains("bashcompinit");
        assertThat(Files.readString(home.resolve("share/fish/vendor_completions.d/keyway.fish")))
                .contains("complete -c keyway -n '__keyway_at \\'agent\\'' -f -a 'set-services'");
        String man = Files.readString(home.resolve("share/man/man1/keyway.1"));
        assertThat(man).contains(".TH KEYWAY 1").contains("\"keyway " + VERSION.replace("-", "\\-") + "\"").contains(".SS \"keyway server\"");
        assertThat(home.resolve("lib/keyway.jar")).isRegularFile();
        assertThat(home.resolve("README.md")).isRegularFile();
    }

    /** The jlink module list in the POM is fixed (jdeps is slow); it must cover what jdeps finds in the shaded jar. */
    @Test
    void theRuntimeHoldsEveryModuleJdepsFinds() throws Exception {
        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        assumeTrue(Files.isExecutable(jdeps), "jdeps not in this JDK");
        Process p = new ProcessBuilder(jdeps.toString(), "--ignore-missing-deps", "--multi-release", "25", "--print-module-deps",
                TARGET.resolve("keyway.jar").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        Set<String> needed = new TreeSet<>(Arrays.asList(out.strip().lines().reduce((a, b) -> b).orElseThrow().split(",")));
        String release = Files.readString(home.resolve("runtime/release"));
        Set<String> linked = release.lines().filter(l -> l.startsWith("MODULES="))
                .flatMap(l -> Arrays.stream(l.substring("MODULES=".length()).replace("\"", "").split(" ")))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(needed).contains("java.base");
        assertThat(linked).as("runtime/release MODULES; add the missing ones to dist.modules in keyway-dist/pom.xml")
                .containsAll(needed);
    }
}
