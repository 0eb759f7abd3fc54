package dev.keyway.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shipped artefact end to end: {@code keyway.jar} as a server process and as the CLI, across a
 * clean stop (SIGTERM), a crash (SIGKILL) and restarts on the same data dir. Finally every byte that
 * left a process (logs, CLI output, audit log, API responses) is scanned for the secret values.
 *
 * <p>The steps share one data dir and run in order; the server is started three times in all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeywayJarIT {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** A JVM ended by SIGTERM exits with 128 + 15 once its shutdown hooks have run. */
    static final int SIGTERM_EXIT = 143;
    static final int SIGKILL_EXIT = 137;

    final String fileCanary = canary();
    final String stdinCanary = canary();

    KeywayJar kw;
    Path work;
    Path data;
    KeywayJar.Server server;
    String proxyTokenAccessor;

    static String canary() {
        byte[] b = new byte[16];
        ThreadLocalRandom.current().nextBytes(b);
        return "canary-" + HexFormat.of().formatHex(b);
    }

    @BeforeAll
    void setUp() throws IOException {
        Path jar = Path.of(System.getProperty("keyway.jar", "target/keyway.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (run via 'mvnw verify')").isRegularFile();
        assertThat(Runtime.version().feature()).as("failsafe must run on JDK 25+").isGreaterThanOrEqualTo(25);
        work = jar.getParent().resolve("it-work").resolve("KeywayJarIT-" + System.currentTimeMillis());
        data = Files.createDirectories(work.resolve("data"));
        kw = new KeywayJar(jar, work.resolve("logs"));
    }

    @AfterAll
    void tearDown() throws InterruptedException {
        if (server != null && server.process().isAlive()) {
            KeywayJar.stop(server, false);
        }
    }

    String[] client(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--addr", server.api(), "--data-dir", data.toString()));
        return all.toArray(String[]::new);
    }

    String adminToken() throws IOException {
        return Files.readString(data.resolve("admin-token")).strip();
    }

    @Test
    @Order(1)
    void helpAndVersion() throws Exception {
        var help = kw.cli("--help").ok();
        assertThat(help.out()).contains("Usage: keyway").contains("Exit codes:").contains("credential").contains("server");
        assertThat(help.err()).isEmpty();
        var version = kw.cli("--version").ok();
        assertThat(version.out()).startsWith("keyway " + System.getProperty("keyway.version") + " (Java 25");
        kw.cli("vault", "list", "--bogus").expect(1);
        var unreachable = kw.cli("status", "--addr", "http://127.0.0.1:" + KeywayJar.freePort(), "--data-dir", data.toString())
                .expect(2);
        assertThat(unreachable.err()).contains("cannot reach Keyway");
    }

    /**
     * keyway-cli depends on keyway-core only and {@code server} is assembled in keyway-dist: a client
     * command must not load a server, store or proxy class (startup time, and proof of the layering).
     */
    @Test
    @Order(1)
    void clientCommandsLoadNoServerClasses() throws Exception {
        List<List<String>> commands = List.of(List.of("--version"), List.of("--help"), List.of("vault", "list", "--help"),
                List.of("status", "--addr", "http://127.0.0.1:" + KeywayJar.freePort(), "--data-dir", data.toString()));
        for (int i = 0; i < commands.size(); i++) {
            List<String> command = commands.get(i);
            Path log = kw.logs().resolve("classes-" + i + ".log");
            kw.cli(List.of("-Xlog:class+load=info:file=" + log), null, command.toArray(String[]::new));
            List<String> loaded = Files.readAllLines(log);
            assertThat(loaded).as("the class-load log of keyway %s", command)
                    .anyMatch(l -> l.contains(" dev.keyway.cli.Main "));
            assertThat(loaded).as("server-side classes loaded by keyway %s", command)
                    .noneMatch(l -> l.matches(".* dev\\.keyway\\.(server|store|proxy)\\..*"));
        }
    }

    @Test
    @Order(2)
    void firstStartThenConfigureWithTheCli() throws Exception {
        server = kw.startServer(data, "1");
        assertThat(data.resolve("admin-token")).isRegularFile();
        assertThat(data.resolve("master.key")).isRegularFile();
        assertThat(KeywayJar.awaitLog(server, "Keyway is running")).contains(server.api())
                .as("no JVM warnings (e.g. native access for SQLite)").doesNotContain("WARNING");

        Path valueFile = work.resolve("api-key.txt");
        Files.writeString(valueFile, fileCanary + "\n");
        var set = kw.cli(client("credential", "set", "API_KEY", "--vault", "default", "--from-file", valueFile.toString())).ok();
        assertThat(set.out()).contains("Created credential API_KEY in vault default (version 1)");
        Files.delete(valueFile);

        Path stdin = work.resolve("stdin.txt");
        Files.writeString(stdin, stdinCanary + "\n");
        kw.cli(stdin, client("credential", "set", "PIPED_KEY")).ok();
        Files.delete(stdin);

        kw.cli(client("service", "add", "api", "--host", "api.example.com", "--bearer", "API_KEY")).ok();

        var token = kw.cli(client("token", "create", "--display-name", "it-agent")).ok();
        assertThat(token.out()).matches("kw_tok_\\S+\n");
        JsonNode tokens = JSON.readTree(kw.cli(client("token", "list", "--json")).ok().out());
        assertThat(tokens.toString()).doesNotContain(token.out().strip());
        proxyTokenAccessor = tokens.findValuesAsString("accessor").getFirst();

        var creds = kw.get(server, "/v1/vaults/default/credentials", adminToken());
        assertThat(creds.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(creds.body()).get("credentials").findValuesAsString("name")).contains("API_KEY", "PIPED_KEY");
    }

    @Test
    @Order(3)
    void sigtermStopsCleanlyAndARestartKeepsEverything() throws Exception {
        int code = KeywayJar.stop(server, false);
        assertThat(code).as("exit code after SIGTERM").isEqualTo(SIGTERM_EXIT);
        assertThat(data.resolve("server.json")).as("removed on a clean stop").doesNotExist();
        String log = Files.readString(server.err());
        assertThat(log).doesNotContain("Exception").doesNotContain(" ERROR ").doesNotContain("WARNING");
        List<JsonNode> audit = auditRecords();
        assertThat(audit.getLast().path("action").asString()).as("last audit record").isEqualTo("server.stop");

        server = kw.startServer(data, "2");
        assertThat(KeywayJar.awaitLog(server, "Keyway is running")).as("the admin token is reused")
                .doesNotContain("Wrote a new admin token");
        var list = kw.cli(client("credential", "list", "--json")).ok();
        JsonNode apiKey = named(JSON.readTree(list.out()), "API_KEY");
        assertThat(apiKey.get("version").asInt()).isEqualTo(1);
        assertThat(apiKey.has("value")).isFalse();
        assertThat(JSON.readTree(kw.cli(client("service", "list", "--json")).ok().out()).findValuesAsString("name"))
                .containsExactly("api");
        assertThat(JSON.readTree(kw.cli(client("token", "list", "--json")).ok().out()).findValuesAsString("accessor"))
                .contains(proxyTokenAccessor);
        // the vault key still unwraps after a restart: updating a credential re-seals it
        Path valueFile = work.resolve("api-key-2.txt");
        Files.writeString(valueFile, fileCanary + "-v2");
        assertThat(kw.cli(client("credential", "set", "API_KEY", "--from-file", valueFile.toString())).ok().out())
                .contains("(version 2)");
        Files.delete(valueFile);
    }

    @Test
    @Order(4)
    void sigkillLosesNothingCommittedAndTheAuditLogStaysParseable() throws Exception {
        kw.cli(client("vault", "create", "before-crash")).ok();
        long seqBefore = auditRecords().getLast().get("seq").asLong();

        int code = KeywayJar.stop(server, true);
        assertThat(code).as("exit code after SIGKILL").isEqualTo(SIGKILL_EXIT);
        assertThat(data.resolve("server.json")).as("left behind by a crash").exists();

        server = kw.startServer(data, "3");
        assertThat(JSON.readTree(kw.cli(client("vault", "list", "--json")).ok().out()).findValuesAsString("name"))
                .contains("default", "before-crash");
        JsonNode apiKey = named(JSON.readTree(kw.cli(client("credential", "list", "--json")).ok().out()), "API_KEY");
        assertThat(apiKey.get("version").asInt()).isEqualTo(2);
        kw.cli(client("vault", "create", "after-crash")).ok();
        JsonNode status = JSON.readTree(kw.cli(client("status", "--json")).ok().out());
        assertThat(status.get("audit").asString()).isEqualTo("ok");
        assertThat(status.get("version").asString()).isEqualTo(System.getProperty("keyway.version"));

        List<JsonNode> audit = auditRecords();
        List<Long> seqs = audit.stream().map(r -> r.get("seq").asLong()).toList();
        assertThat(seqs).as("audit seqs strictly increase across the crash").isSorted().doesNotHaveDuplicates();
        assertThat(seqs.getLast()).isGreaterThan(seqBefore);
        assertThat(audit).anySatisfy(r -> assertThat(r.path("action").asString()).isEqualTo("vault.create"));
        assertThat(audit.stream().map(r -> r.path("vault").asString(""))).contains("before-crash", "after-crash");

        var apiAudit = kw.get(server, "/v1/audit?limit=1000", adminToken());
        assertThat(apiAudit.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(apiAudit.body()).get("records").size()).isPositive();
        kw.get(server, "/v1/status", adminToken());

        // a second instance on the same ports fails fast with a clear message (own data dir: never share one)
        Path busyDir = Files.createDirectories(work.resolve("data-busy"));
        var busy = kw.cli("server", "--data-dir", busyDir.toString(), "--api-addr", server.api().substring("http://".length()),
                "--proxy-addr", server.proxy()).expect(6);
        assertThat(busy.err()).contains("already in use").contains("--api-addr");

        assertThat(KeywayJar.stop(server, false)).isEqualTo(SIGTERM_EXIT);
    }

    @Test
    @Order(5)
    void noSecretValueLeftAnyProcess() throws IOException {
        List<Path> scanned = new ArrayList<>();
        try (Stream<Path> files = Files.walk(kw.logs())) {
            files.filter(Files::isRegularFile).forEach(scanned::add);
        }
        scanned.add(data.resolve("audit.jsonl"));
        try (Stream<Path> files = Files.list(data)) {
            files.filter(f -> f.getFileName().toString().startsWith("keyway.db")).forEach(scanned::add);
        }
        assertThat(scanned.stream().map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith("server-1")).anyMatch(n -> n.startsWith("server-3"))
                .anyMatch(n -> n.startsWith("cli-")).anyMatch(n -> n.startsWith("resp-")).contains("audit.jsonl", "keyway.db");

        List<String> leaks = new ArrayList<>();
        for (Path f : scanned) {
            // ISO-8859-1 maps every byte to one char, so binary files (the database) scan too
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            for (String secret : List.of(fileCanary, stdinCanary)) {
                if (text.contains(secret)) {
                    leaks.add(f + " contains " + (secret.equals(fileCanary) ? "the --from-file value" : "the stdin value"));
                }
            }
        }
        assertThat(leaks).as("secret values found in " + scanned.size() + " scanned files").isEmpty();
    }

    /** Every line of audit.jsonl, each of which must be a JSON object. */
    List<JsonNode> auditRecords() throws IOException {
        List<String> lines = Files.readAllLines(data.resolve("audit.jsonl"));
        List<JsonNode> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            try {
                JsonNode n = JSON.readTree(lines.get(i));
                assertThat(n.isObject()).as("audit.jsonl line %d", i + 1).isTrue();
                records.add(n);
            } catch (RuntimeException e) {
                throw new AssertionError("audit.jsonl line " + (i + 1) + " is not JSON: " + lines.get(i), e);
            }
        }
        assertThat(records).isNotEmpty();
        return records;
    }

    static JsonNode named(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (n.path("name").asString().equals(name)) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + array);
    }
}
