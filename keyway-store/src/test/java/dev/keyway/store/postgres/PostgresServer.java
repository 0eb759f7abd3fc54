package dev.keyway.store.postgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster for tests: {@code initdb} in a temp dir, {@code pg_ctl start} on a
 * free loopback port, password authentication (so the URL's credentials are exercised), no fsync.
 * When the JVM runs as root (CI does) the server runs as the {@code postgres} user through
 * {@code runuser}, because PostgreSQL refuses to run as root.
 *
 * <p>Binaries: {@code $KEYWAY_TEST_PG_BIN}, else the newest {@code /usr/lib/postgresql/N/bin}
 * (Debian's {@code postgresql} package), else {@code initdb} on the {@code PATH}. Without any, start
 * fails with a message saying what to install: PostgreSQL tests never skip silently.
 */
public final class PostgresServer implements AutoCloseable {
    /** Password of the test superuser {@value #USER}. */
    public static final String PASSWORD = "kw-test-Pa55:@/";
    public static final String USER = "keyway";

    private final Path base;
    private final Path data;
    private final Path bin;
    private final int port;
    private final boolean asPostgresUser;
    private final AtomicInteger databases = new AtomicInteger();
    private boolean running;

    private PostgresServer(Path base, Path bin, int port, boolean asPostgresUser) {
        this.base = base;
        this.data = base.resolve("data");
        this.bin = bin;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** Creates and starts a new cluster. */
    public static PostgresServer start() throws IOException, InterruptedException {
        Path bin = findBinaries().orElseThrow(() -> new IllegalStateException(
                "PostgreSQL tests need a PostgreSQL server installation, and none was found: install the Debian package "
                        + "'postgresql' (apt-get install postgresql; .ci/run does this), or point KEYWAY_TEST_PG_BIN at a "
                        + "directory holding initdb and pg_ctl"));
        boolean root = "root".equals(System.getProperty("user.name"));
        Path base = Files.createTempDirectory("keyway-pg");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx------"));
        Path pw = base.resolve("pwfile");
        Files.writeString(pw, PASSWORD + "\n", StandardCharsets.UTF_8);
        if (root) {
            run(List.of("chown", "-R", "postgres:postgres", base.toString()), base);
        }
        PostgresServer s = new PostgresServer(base, bin, freePort(), root);
        s.pg(List.of(bin.resolve("initdb").toString(), "-D", s.data.toString(), "-U", USER, "--pwfile=" + pw,
                "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"));
        Files.writeString(base.resolve("started"), "");
        s.startServer();
        return s;
    }

    private static Optional<Path> findBinaries() {
        String env = System.getenv("KEYWAY_TEST_PG_BIN");
        if (env != null && Files.isExecutable(Path.of(env, "pg_ctl"))) {
            return Optional.of(Path.of(env));
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> dirs = Files.list(debian)) {
                Optional<Path> newest = dirs.map(d -> d.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("pg_ctl")) && Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparingInt(b -> versionOf(b.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest;
                }
            } catch (IOException e) {
                // fall through to PATH
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "initdb")) && Files.isExecutable(Path.of(dir, "pg_ctl"))) {
                return Optional.of(Path.of(dir));
            }
        }
        return Optional.empty();
    }

    private static int versionOf(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket ss = new ServerSocket(0)) {
            return ss.getLocalPort();
        }
    }

    /** Starts the server (again, after {@link #stop()}), on the same port and data. */
    public synchronized void startServer() throws IOException, InterruptedException {
        pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", base.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k " + base + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
                        + " -c shared_buffers=32MB",
                "start"));
        running = true;
    }

    /** Stops the server at once (connections are cut, as in an outage); {@link #startServer()} brings it back. */
    public synchronized void stop() throws IOException, InterruptedException {
        if (running) {
            pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60", "-m", "fast", "stop"));
            running = false;
        }
    }

    public int port() {
        return port;
    }

    /** A URL for database {@code db} with the test user's credentials. */
    public PostgresUrl url(String db) {
        return new PostgresUrl("127.0.0.1", port, db, USER, PASSWORD, null);
    }

    /** Creates a new empty database and returns its URL. */
    public PostgresUrl newDatabase() {
        String name = "kw_" + databases.incrementAndGet();
        try (Connection c = PostgresStore.connect(url("postgres")); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
        }
        return url(name);
    }

    /** Runs {@code sql} as the superuser on database {@code db} (e.g. {@code pg_terminate_backend}). */
    public void execute(String db, String sql) throws SQLException {
        try (Connection c = PostgresStore.connect(url(db)); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private void pg(List<String> cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        run(full, base);
    }

    private static void run(List<String> cmd, Path base) throws IOException, InterruptedException {
        Path out = Files.createTempFile("keyway-pg-cmd", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                String log = Files.readString(out);
                Path server = base.resolve("server.log");
                if (Files.exists(server)) {
                    log += "\n--- server.log ---\n" + Files.readString(server);
                }
                throw new IllegalStateException("PostgreSQL test cluster: '" + String.join(" ", cmd) + "' failed with exit "
                        + p.exitValue() + ":\n" + log);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Stops the server and deletes its files. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (running) {
                pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-m", "immediate", "stop"));
                running = false;
            }
        } finally {
            try (Stream<Path> files = Files.walk(base)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
