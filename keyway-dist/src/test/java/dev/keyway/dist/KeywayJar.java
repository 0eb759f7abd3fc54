package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Runs the shaded {@code keyway.jar} as real processes, the way a user does: one long-running
 * {@code keyway server}, and one JVM per CLI command. Every process's stdout and stderr go to files
 * under {@link #logs()}, and every API response body fetched by the test is saved there too, so a
 * test can finally scan everything that left the processes for secret values.
 */
final class KeywayJar {
    private final Path jar;
    private final Path javaBin;
    private final Path logs;
    private final HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null))
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger seq = new AtomicInteger();

    /** What one CLI process produced. */
    record Result(int code, String out, String err, Path outFile, Path errFile) {
        String describe() {
            return "exit " + code + "\n--- stdout (" + outFile + ") ---\n" + out + "--- stderr ---\n" + err;
        }

        Result expect(int expected) {
            assertThat(code).as(describe()).isEqualTo(expected);
            return this;
        }

        Result ok() {
            return expect(0);
        }
    }

    /** A running {@code keyway server} process and the addresses it was told to use. */
    record Server(Process process, String api, String proxy, Path out, Path err) {}

    KeywayJar(Path jar, Path logs) throws IOException {
        this.jar = jar;
        this.javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        this.logs = Files.createDirectories(logs);
    }

    Path logs() {
        return logs;
    }

    /** The JDK the suite runs on (failsafe runs on the toolchain JDK, 25+). */
    Path java() {
        return javaBin;
    }

    private ProcessBuilder builder(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin.toString());
        // deliberately no --enable-native-access: the jar's manifest must grant it (plain 'java -jar keyway.jar')
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // the suite must not pick up a developer's Keyway settings
        pb.environment().keySet().removeIf(k -> k.startsWith("KEYWAY_"));
        return pb;
    }

    /** Runs one CLI command to completion; stdin is {@code stdin} if given, else empty. */
    Result cli(@Nullable Path stdin, String... args) throws IOException, InterruptedException {
        return cli(List.of(), stdin, args);
    }

    /** Like {@link #cli(Path, String...)} with extra JVM options (e.g. a class-loading log). */
    Result cli(List<String> extraJvmOptions, @Nullable Path stdin, String... args) throws IOException, InterruptedException {
        int n = seq.incrementAndGet();
        String label = String.format("cli-%02d-%s", n, args.length == 0 ? "none" : args[0]);
        Path out = logs.resolve(label + ".out");
        Path err = logs.resolve(label + ".err");
        List<String> jvm = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m"));
        jvm.addAll(extraJvmOptions);
        ProcessBuilder pb = builder(jvm, List.of(args));
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        } else {
            pb.redirectInput(ProcessBuilder.Redirect.from(Files.createFile(logs.resolve(label + ".in")).toFile()));
        }
        Files.writeString(logs.resolve(label + ".args"), String.join("\n", args) + "\n");
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("keyway " + String.join(" ", args) + " did not finish in 60 s; see " + out);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err), out, err);
    }

    Result cli(String... args) throws IOException, InterruptedException {
        return cli(null, args);
    }

    /** Starts {@code keyway server} on fresh free ports and waits until {@code /health} answers 200. */
    Server startServer(Path dataDir, String label, String... extraArgs) throws IOException, InterruptedException {
        int apiPort = freePort();
        int proxyPort = freePort();
        Path out = logs.resolve("server-" + label + ".out");
        Path err = logs.resolve("server-" + label + ".err");
        List<String> args = new ArrayList<>(List.of("server", "--data-dir", dataDir.toString(),
                "--api-addr", "127.0.0.1:" + apiPort, "--proxy-addr", "127.0.0.1:" + proxyPort));
        args.addAll(List.of(extraArgs));
        ProcessBuilder pb = builder(List.of("-Xmx512m", "-XX:+UseSerialGC"), args);
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        Server s = new Server(p, "http://127.0.0.1:" + apiPort, "127.0.0.1:" + proxyPort, out, err);
        awaitHealthy(s);
        return s;
    }

    private void awaitHealthy(Server s) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (!s.process().isAlive()) {
                throw new AssertionError("keyway server exited with " + s.process().exitValue() + " before it was healthy:\n"
                        + Files.readString(s.err()));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.api() + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && proxyAccepts(s)) {
                    save("health", r.body());
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        s.process().destroyForcibly().waitFor();
        throw new AssertionError("keyway server not healthy within 60 s:\n" + Files.readString(s.err()));
    }

    /**
     * Whether the proxy port accepts a connection: the API (and so {@code /health}) opens before the
     * proxy listener, so a test that sends through the proxy right after {@code /health} said 200
     * could find nothing listening yet (it did: OAuthRotationCrashIT, "Couldn't connect to server").
     */
    private static boolean proxyAccepts(Server s) {
        String hostPort = s.proxy().replaceFirst("^https?://", "");
        int colon = hostPort.lastIndexOf(':');
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))), 2_000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Waits until the server's stderr contains {@code text} (the banner is printed just after the ports open). */
    static String awaitLog(Server s, String text) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        String log = Files.readString(s.err());
        while (!log.contains(text) && Instant.now().isBefore(deadline) && s.process().isAlive()) {
            Thread.sleep(50);
            log = Files.readString(s.err());
        }
        assertThat(log).as("server log " + s.err()).contains(text);
        return log;
    }

    /** Stops a server: SIGTERM ({@code force=false}) or SIGKILL; returns its exit code. */
    static int stop(Server s, boolean force) throws InterruptedException {
        if (force) {
            s.process().destroyForcibly();
        } else {
            s.process().destroy();
        }
        if (!s.process().waitFor(30, TimeUnit.SECONDS)) {
            s.process().destroyForcibly().waitFor();
            throw new AssertionError("keyway server did not stop within 30 s of " + (force ? "SIGKILL" : "SIGTERM"));
        }
        return s.process().exitValue();
    }

    /** An authenticated API GET; the body is saved under logs/ for the secret scan. */
    HttpResponse<String> get(Server s, String path, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.api() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        save("api" + path.replaceAll("[^A-Za-z0-9]+", "-"), r.body());
        return r;
    }

    private void save(String label, String body) {
        try {
            Files.writeString(logs.resolve(String.format("resp-%02d-%s.body", seq.incrementAndGet(), label)), body,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
