package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.KeywayServer;
import dev.keyway.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Keyway server started in-process on free loopback ports, plus a way to run the CLI against
 * it exactly as a user would ({@link Main#run}), capturing stdout, stderr and the exit code.
 */
final class CliHarness implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** What one CLI invocation produced. */
    record Result(int code, String out, String err) {
        JsonNode json() {
            return JSON.readTree(out);
        }

        /** For assertion messages: everything the command printed. */
        String describe() {
            return "exit " + code + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }

        Result expect(int expected) {
            assertThat(code).as(describe()).isEqualTo(expected);
            return this;
        }

        Result ok() {
            return expect(ExitCodes.OK);
        }
    }

    private final Path dataDir;
    private @Nullable KeywayServer server;

    private CliHarness(Path dataDir, KeywayServer server) {
        this.dataDir = dataDir;
        this.server = server;
    }

    static CliHarness start(Path dataDir) throws InterruptedException {
        return new CliHarness(dataDir, KeywayServer.start(ServerConfig.defaults(dataDir).withPorts(0, 0)));
    }

    /** A server whose own AWS calls use {@code aws} (fake STS endpoints, test CA, host keys). */
    static CliHarness start(ServerConfig cfg, dev.keyway.server.aws.AwsEnv aws) throws InterruptedException {
        return new CliHarness(cfg.dataDir(), KeywayServer.start(cfg, aws));
    }

    /** The running server (ports, data dir). */
    KeywayServer server() {
        if (server == null) {
            throw new IllegalStateException("no server running");
        }
        return server;
    }

    /** Closes the server and starts a new one on the same data dir (the API port may change). */
    void restart() throws InterruptedException {
        restart(null);
    }

    /** Like {@link #restart()} with a master password; if the start fails, the harness holds no server. */
    void restart(char @Nullable [] masterPassword) throws InterruptedException {
        close();
        server = KeywayServer.start(ServerConfig.defaults(dataDir).withPorts(0, 0).withMasterPassword(masterPassword));
    }

    Path dataDir() {
        return dataDir;
    }

    String addr() {
        if (server == null) {
            throw new IllegalStateException("no server running");
        }
        return "http://127.0.0.1:" + server.apiPort();
    }

    /** Runs a client command against this server ({@code --addr} and {@code --data-dir} appended). */
    Result cli(String... args) {
        return raw(withClientOptions(args));
    }

    /** Like {@link #cli} with {@code stdin} as the process's standard input. */
    Result cliWithStdin(String stdin, String... args) {
        return rawWithStdin(stdin, withClientOptions(args));
    }

    private String[] withClientOptions(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--addr", addr(), "--data-dir", dataDir.toString()));
        return all.toArray(String[]::new);
    }

    /** A server started with {@code cfg} (e.g. trusting a test upstream CA). */
    static CliHarness start(ServerConfig cfg) throws InterruptedException {
        return new CliHarness(cfg.dataDir(), KeywayServer.start(cfg));
    }

    /** A CLI invocation running on its own thread, whose output can be read while it runs. */
    record Running(StringWriter out, StringWriter err, java.util.concurrent.CompletableFuture<Result> done) {
        /** Waits (bounded) for the command to finish. */
        Result await() throws Exception {
            return done.get(2, java.util.concurrent.TimeUnit.MINUTES);
        }
    }

    /** Starts a client command ({@code --addr}, {@code --data-dir} appended) on a new thread. */
    Running start(String... args) {
        String[] all = withClientOptions(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.util.concurrent.CompletableFuture<Result> done = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
                int code = Main.run(all, o, e);
                done.complete(new Result(code, out.toString(), err.toString()));
            } catch (Throwable x) {
                done.completeExceptionally(x);
            }
        }, "cli-" + args[0]);
        t.setDaemon(true);
        t.start();
        return new Running(out, err, done);
    }

    /** Runs the CLI with exactly these arguments. */
    static Result raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            code = Main.run(args, o, e);
        }
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs the CLI with {@code stdin} as System.in, restoring the original afterwards. */
    static Result rawWithStdin(String stdin, String... args) {
        InputStream original = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return raw(args);
        } finally {
            System.setIn(original);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
