package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.KeywayServer;
import dev.keyway.server.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real jar in agent mode (only the three environment variables). {@code keyway run}: a signal
 * sent to the keyway process reaches the child (which traps it), keyway waits for the child, and
 * the child's exit code is keyway's. Other commands use the same token and vault header.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunJarIT {
    /** The child waits at most a minute, so a failed forward cannot leave it running for ever. */
    static final String BOUNDED_WAIT = "i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; exit 99";

    Path dir;
    KeywayServer server;
    String token;
    Path lastErr = Path.of("none");

    @BeforeAll
    void start(@TempDir Path d) throws Exception {
        dir = d;
        server = KeywayServer.start(ServerConfig.defaults(dir.resolve("server")).withPorts(0, 0));
        String admin = Files.readString(dir.resolve("server/admin-token")).strip();
        HttpResponse<String> r = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.apiPort() + "/v1/tokens"))
                        .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"vault\":\"default\",\"ttl\":\"1h\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        token = JsonMapper.builder().build().readTree(r.body()).get("token").asString();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private Process keywayRun(String script) throws Exception {
        return keyway("default", "run", "--no-install-skill", "-q", "--", "sh", "-c", script);
    }

    private Process keyway(String vault, String... args) throws Exception {
        String jar = System.getProperty("keyway.jar");
        assertThat(Path.of(jar)).as("the shaded jar (run 'verify')").exists();
        // "env --default-signal": a build started in the background by a non-interactive shell (nohup,
        // "cmd &" in a CI script) inherits SIGINT/SIGQUIT as ignored, and an ignored signal can be
        // neither handled by the JVM nor trapped by the child shell; a user's terminal has defaults.
        List<String> cmd = new java.util.ArrayList<>(List.of("env", "--default-signal=INT,TERM,HUP",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED", "-jar", jar));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.toUpperCase().endsWith("_PROXY") || k.startsWith("KEYWAY_"));
        pb.environment().put("PATH", "/usr/bin:/bin"); // no 'keyway' of the developer's
        pb.environment().put("KEYWAY_TOKEN", token);
        pb.environment().put("KEYWAY_ADDR", "http://127.0.0.1:" + server.apiPort());
        pb.environment().put("KEYWAY_VAULT", vault);
        pb.environment().put("HOME", dir.toString());
        lastErr = dir.resolve("keyway-" + System.nanoTime() + ".err");
        pb.redirectError(lastErr.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        return pb.start();
    }

    /** Reads the child's stdout until it says it is ready (its trap is installed). */
    private static BufferedReader awaitReady(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the child starts and prints 'ready'").isEqualTo("ready");
        return out;
    }

    private static void signal(Process p, String name) throws Exception {
        Process kill = new ProcessBuilder(List.of("kill", "-s", name, Long.toString(p.pid()))).start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    @Test
    void sigtermIsForwardedAndTheChildsExitCodeReturned() throws Exception {
        Process p = keywayRun("trap 'echo got-term; exit 42' TERM; echo ready; " + BOUNDED_WAIT);
        BufferedReader out = awaitReady(p);
        signal(p, "TERM"); // to the keyway JVM only (Process.destroy would also close our end of its pipes)
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.readLine()).isEqualTo("got-term");
        assertThat(p.exitValue()).isEqualTo(42);
    }

    @Test
    void sigintIsForwardedWhenNotAtATerminal() throws Exception {
        Process p = keywayRun("trap 'echo got-int; exit 43' INT; echo ready; " + BOUNDED_WAIT);
        BufferedReader out = awaitReady(p);
        signal(p, "INT");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.readLine()).isEqualTo("got-int");
        assertThat(p.exitValue()).isEqualTo(43);
    }

    @Test
    void isolatedSigtermIsForwardedThroughTheRelayAndTheChildsExitCodeReturned() throws Exception {
        // --isolate: keyway (this jar) -> unshare -> the relay JVM (this jar, NamespaceInit) -> unshare -> sh
        Process p = keyway("default", "run", "--isolate", "--no-install-skill", "-q", "--", "sh", "-c",
                "trap 'echo got-term; exit 42' TERM; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ';"
                        + " keyway discover --json >/dev/null && echo discover-ok; echo ready; " + BOUNDED_WAIT);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("only the loopback: " + Files.readString(lastErr)).isEqualTo("lo");
        assertThat(out.readLine()).as("the API is relayed into the namespace: " + Files.readString(lastErr)).isEqualTo("discover-ok");
        assertThat(out.readLine()).isEqualTo("ready");
        signal(p, "TERM");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.readLine()).isEqualTo("got-term");
        assertThat(p.exitValue()).as(Files.readString(lastErr)).isEqualTo(42);
    }

    @Test
    void theChildCanCallKeyway() throws Exception {
        // PATH has no keyway; the run puts a shim first that runs this very java and jar
        Process p = keywayRun("command -v keyway; keyway --version && keyway discover --json");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out + Files.readString(lastErr)).isZero();
        String[] lines = out.split("\n", 3);
        Path shim = Path.of(lines[0]);
        assertThat(shim.getFileName().toString()).isEqualTo("keyway");
        assertThat(shim.getParent().getParent().getFileName().toString()).startsWith("keyway-run-");
        assertThat(lines[1]).startsWith("keyway " + System.getProperty("keyway.version") + " (Java 25");
        assertThat(JsonMapper.builder().build().readTree(lines[2]).get("vault").asString()).isEqualTo("default");
        assertThat(shim).as("the shim goes with the run's temp dir").doesNotExist();
    }

    @Test
    void otherCommandsUseTheSameTokenAndVault() throws Exception {
        Process ok = keyway("default", "discover", "--json");
        String out = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ok.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ok.exitValue()).as(out).isZero();
        assertThat(JsonMapper.builder().build().readTree(out).get("vault").asString()).isEqualTo("default");

        Process wrong = keyway("nope", "discover");
        assertThat(wrong.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(wrong.exitValue()).isEqualTo(4);
        assertThat(Files.readString(lastErr)).contains("vault 'nope'");
    }
}
