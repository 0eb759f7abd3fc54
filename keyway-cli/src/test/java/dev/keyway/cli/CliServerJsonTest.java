package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.keyway.core.local.ServerInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Without {@code --addr}/{@code KEYWAY_ADDR} the CLI finds the server on its data dir through the
 * {@code server.json} that server wrote: a server on non-default ports needs only the data dir.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliServerJsonTest {
    @TempDir
    static Path dir;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        assumeThat(System.getenv("KEYWAY_ADDR")).as("KEYWAY_ADDR would take precedence").isNull();
        kw = CliHarness.start(dir.resolve("data")); // API on a random port, never the default
    }

    @AfterAll
    void stop() {
        if (kw != null) {
            kw.close();
        }
    }

    @Test
    void clientCommandsUseTheAddressTheServerRecorded() {
        assertThat(ClientOptions.recordedAddress(kw.dataDir())).isEqualTo(kw.addr());
        var status = CliHarness.raw("status", "--data-dir", kw.dataDir().toString()).ok();
        assertThat(status.out()).as(status.describe()).contains(kw.dataDir().toAbsolutePath().toString());
        CliHarness.raw("credential", "list", "--data-dir", kw.dataDir().toString()).ok();
        // --addr still wins
        int free = freePort();
        var explicit = CliHarness.raw("status", "--data-dir", kw.dataDir().toString(), "--addr", "http://127.0.0.1:" + free)
                .expect(ExitCodes.UNREACHABLE);
        assertThat(explicit.err()).contains("127.0.0.1:" + free);
    }

    @Test
    void runWithTheAdminTokenTalksToTheRecordedServer() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("KEYWAY_") || dev.keyway.cli.run.ChildEnv.isStale(k));
        CapturingLauncher child = new CapturingLauncher();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        rc.environment = env;
        rc.launcher = child;
        int code = cl.execute("run", "--data-dir", kw.dataDir().toString(), "--", "sh", "-c", "printf %s \"$KEYWAY_ADDR\"");
        assertThat(code).as(err + child.err).isZero();
        assertThat(child.out).isEqualTo(kw.addr());
    }

    @Test
    void aRecordLeftByADeadServerIsIgnored() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path other = dir.resolve("crashed");
        java.nio.file.Files.createDirectories(other);
        ServerInfo.of("127.0.0.1", 19999, "127.0.0.1", 19998, gone.pid()).write(other.resolve("server.json"));
        assertThat(ClientOptions.recordedAddress(other)).isNull();
        ServerInfo.of("127.0.0.1", 19999, "127.0.0.1", 19998, ProcessHandle.current().pid()).write(other.resolve("server.json"));
        assertThat(ClientOptions.recordedAddress(other)).isEqualTo("http://127.0.0.1:19999");
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
