package dev.keyway.dist;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The training run behind the JDK AOT cache ({@code -XX:AOTCacheOutput}, JEP 483/514) that the build
 * writes next to {@code keyway.jar}: it does what users do most, in one JVM, so that the cache holds
 * those classes already loaded and linked. A CLI call ({@code keyway status}, {@code keyway token
 * create}) then starts in a fraction of the time (issue 14: the CLI should answer in 0.3 s, and
 * {@code keyway server} be ready in 1.5 s). It starts a server (a child JVM) on a fresh data dir with
 * ephemeral ports, runs the common client commands against it, shows the help, and exits; any
 * failure exits non-zero, so a broken jar fails the build here rather than producing a useless cache.
 *
 * <p>With a second argument the server JVM writes its own cache there ({@code -XX:AOTCacheOutput},
 * dumped when it stops): what a server start with an existing data dir and the API calls above load.
 * Trained in a separate JVM so that neither cache holds the other's classes. With it, {@code keyway
 * server} starts on about half the CPU and with a lower RSS at start (docs/benchmarks.md, "CLI start").
 *
 * <p>Run: {@code java -XX:AOTCacheOutput=keyway.aot -cp keyway.jar dev.keyway.dist.AotTraining WORK_DIR
 * [SERVER_CACHE]}.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1 && args.length != 2) {
            System.err.println("usage: AotTraining WORK_DIR [SERVER_CACHE]");
            System.exit(2);
        }
        Path data = Files.createDirectories(Path.of(args[0])).resolve("data-" + ProcessHandle.current().pid());
        List<String> failed = new ArrayList<>();
        cli(failed, "--version");
        cli(failed, "token", "create", "--help");
        // the server runs in a child JVM: the cache then holds only what a CLI call loads. With AOT class
        // linking, every class in the cache is loaded at start-up, so server classes in it made
        // `keyway --version` slower, not faster.
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = Path.of(AotTraining.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Path serverLog = data.resolveSibling("server-" + ProcessHandle.current().pid() + ".log");
        // the server JVM options of bin/server-jvm-opts.sh (a cache is used only by a JVM with a compatible GC and heap)
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xms32m", "-Xmx256m",
                "-XX:ReservedCodeCacheSize=64m", "--enable-native-access=ALL-UNNAMED"));
        if (args.length == 2) {
            command.add("-XX:AOTCacheOutput=" + Path.of(args[1]).toAbsolutePath());
        }
        command.addAll(List.of("-cp", jar, Main.class.getName(), "server", "--data-dir", data.toString(), "--api-addr",
                "127.0.0.1:0", "--proxy-addr", "127.0.0.1:0"));
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
        try {
            train(data, server, serverLog, failed);
        } finally {
            // SIGTERM: the server shuts down normally, and its JVM then writes the server cache (tens of seconds)
            server.destroy();
            if (!server.waitFor(180, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                failed.add("the server did not stop within 180 s");
            }
        }
        if (!failed.isEmpty()) {
            System.err.println("aot-training: failed: " + String.join("; ", failed));
            System.exit(1);
        }
        System.out.println("aot-training: done");
    }

    private static void train(Path data, Process server, Path serverLog, List<String> failed) throws Exception {
        Path info = data.resolve("server.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(info) && server.isAlive() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        if (!Files.exists(info)) {
            failed.add("the server did not start: " + Files.readString(serverLog));
            return;
        }
        String dir = data.toString();
        cli(failed, "status", "--data-dir", dir);
        Path key = Files.writeString(data.resolveSibling("training-key-" + ProcessHandle.current().pid()), "not-a-secret");
        cli(failed, "credential", "set", "TRAINING_KEY", "--from-file", key.toString(), "--data-dir", dir);
        cli(failed, "service", "add", "training", "--host", "example.com", "--bearer", "TRAINING_KEY", "--data-dir", dir);
        cli(failed, "token", "create", "--data-dir", dir);
        cli(failed, "token", "list", "--data-dir", dir);
        cli(failed, "service", "list", "--data-dir", dir);
        cli(failed, "audit", "tail", "--data-dir", dir);
        cli(failed, "status", "--json", "--data-dir", dir);
    }

    private static void cli(List<String> failed, String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        if (code != 0) {
            failed.add(String.join(" ", args) + " -> " + code + ": " + err.toString().strip());
        }
    }
}
