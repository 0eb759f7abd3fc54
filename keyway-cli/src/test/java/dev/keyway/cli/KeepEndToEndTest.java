package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** {@code keyway token keep} against a real server: renew, heal, sweep, fail loud, and each failure's own exit code. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeepEndToEndTest {
    Path dir;
    RunFixture f;
    int counter;

    @BeforeAll
    void start(@TempDir Path d) throws Exception {
        dir = d;
        f = new RunFixture(dir);
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    record Result(int exit, String out, String err) {}

    Result keep(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("token", "keep", "--addr", f.base(), "--data-dir", dir.resolve("no-login").toString()));
        all.addAll(List.of(args));
        return new Result(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    /** A fresh display name per test so sweeps in one test cannot touch another's tokens. */
    String name() {
        return "box-" + (++counter);
    }

    JsonNode periodic(String name) throws Exception {
        return f.mint("default", "\"period\":\"768h\",\"display_name\":\"" + name + "\"");
    }

    Path file(String content) throws Exception {
        Path p = Files.createDirectories(dir.resolve("tf" + (++counter))).resolve("agent-token");
        Files.writeString(p, content + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    JsonNode lookup(String accessor) throws Exception {
        return f.admin("POST", "/v1/tokens/lookup", "{\"accessor\":\"" + accessor + "\"}");
    }

    @Test
    void healthyTokenIsRenewed() throws Exception {
        String n = name();
        JsonNode t = periodic(n);
        Path file = file(t.get("token").asString());
        Result r = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("OK renewed " + n + " (accessor " + t.get("accessor").asString() + ", period 32d, expires ");
        assertThat(Files.readString(file).strip()).isEqualTo(t.get("token").asString());
    }

    @Test
    void adminClobberHealsAndSweepsExactlyTheStaleTokens() throws Exception {
        String n = name();
        JsonNode stale1 = periodic(n);
        JsonNode stale2 = periodic(n);
        JsonNode alreadyRevoked = periodic(n);
        f.admin("POST", "/v1/tokens/revoke", "{\"accessor\":\"" + alreadyRevoked.get("accessor").asString() + "\"}");
        JsonNode otherName = periodic(n + "-other");
        JsonNode notPeriodic = f.mint("default", "\"ttl\":\"1h\",\"display_name\":\"" + n + "\"");
        Path file = file(f.adminToken); // something wrote the admin token over ours

        Result r = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("HEALED: re-minted periodic token from foreign local-admin (revoked 2 stale)");

        String fresh = Files.readString(file).strip();
        assertThat(fresh).startsWith("kw_tok_").isNotEqualTo(f.adminToken);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("agent-token");
        }
        JsonNode minted = f.call("GET", "/v1/tokens/lookup-self", null, fresh);
        assertThat(minted.get("display_name").asString()).isEqualTo(n);
        assertThat(minted.get("period").asString()).isEqualTo("32d");
        assertThat(minted.get("vault").asString()).isEqualTo("default");
        assertThat(minted.get("revoked").asBoolean()).isFalse();
        assertThat(lookup(stale1.get("accessor").asString()).get("revoked").asBoolean()).isTrue();
        assertThat(lookup(stale2.get("accessor").asString()).get("revoked").asBoolean()).isTrue();
        assertThat(lookup(otherName.get("accessor").asString()).get("revoked").asBoolean()).isFalse();
        assertThat(lookup(notPeriodic.get("accessor").asString()).get("revoked").asBoolean()).isFalse();

        Result again = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default");
        assertThat(again.out()).startsWith("OK renewed " + n);
    }

    @Test
    void loginSessionClobberIsJudgedByTheServer() throws Exception {
        String n = name();
        f.humanDataDir();
        String session = Session.read(dir.resolve("cli-home")).token();
        Path file = file(session); // "something ran keyway login" and its token landed in the file

        // The owner's session may mint, but nothing that outlives the session: a 32-day period is refused.
        Result weak = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default");
        assertThat(weak.exit()).isEqualTo(15);
        assertThat(weak.err()).startsWith("CLOBBERED: " + file + " holds a foreign session token 'owner@example.test'")
                .contains("exceeds your own token's remaining lifetime");
        assertThat(Files.readString(file).strip()).isEqualTo(session);

        // A period the session can grant heals.
        JsonNode old = f.mint("default", "\"period\":\"1h\",\"display_name\":\"" + n + "\"");
        Result healed = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default", "--period", "1h");
        assertThat(healed.exit()).as(healed.err()).isZero();
        assertThat(healed.out()).startsWith("HEALED: re-minted periodic token from foreign owner@example.test (revoked 1 stale)");
        assertThat(lookup(old.get("accessor").asString()).get("revoked").asBoolean()).isTrue();
        assertThat(Files.readString(file).strip()).startsWith("kw_tok_");
    }

    @Test
    void weakClobberFailsLoudAndLeavesTheFileAlone() throws Exception {
        String n = name();
        JsonNode ours = periodic(n);
        JsonNode foreign = f.mint("default", "\"ttl\":\"1h\",\"display_name\":\"someone-else\"");
        Path file = file(foreign.get("token").asString());
        byte[] before = Files.readAllBytes(file);
        Instant expiresBefore = Instant.parse(lookup(foreign.get("accessor").asString()).get("expires_at").asString());

        Result r = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default");
        assertThat(r.exit()).isEqualTo(15);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("CLOBBERED: " + file + " holds a foreign scoped token 'someone-else'")
                .contains("a scoped token cannot mint other tokens")
                .contains("Recover with: keyway token keep --addr " + f.base() + " --token-file " + file
                        + " --display-name " + n + " --vault default --period 32d --reset");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(Instant.parse(lookup(foreign.get("accessor").asString()).get("expires_at").asString()))
                .as("a foreign token is never renewed").isEqualTo(expiresBefore);
        assertThat(lookup(ours.get("accessor").asString()).get("revoked").asBoolean()).as("nothing swept").isFalse();
    }

    @Test
    void revokedTokenHasItsOwnCode() throws Exception {
        String n = name();
        JsonNode t = periodic(n);
        f.admin("POST", "/v1/tokens/revoke", "{\"accessor\":\"" + t.get("accessor").asString() + "\"}");
        Path file = file(t.get("token").asString());
        Result r = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default");
        assertThat(r.exit()).isEqualTo(14);
        assertThat(r.err()).startsWith("REVOKED: the token in " + file + " has been revoked").contains("--reset");
    }

    @Test
    void expiredTokenHasItsOwnCode() throws Exception {
        String n = name();
        JsonNode t = f.mint("default", "\"period\":\"1s\",\"display_name\":\"" + n + "\"");
        Path file = file(t.get("token").asString());
        f.clock.advance(java.time.Duration.ofSeconds(2)); // past its 1 s period, without waiting
        Result r = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default", "--period", "1s");
        assertThat(r.exit()).isEqualTo(13);
        assertThat(r.err()).startsWith("EXPIRED: the token in " + file + " has expired");
    }

    @Test
    void unreachableServerChangesNothing() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path file = file(f.adminToken);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute("token", "keep", "--addr",
                "http://127.0.0.1:" + port, "--token-file", file.toString(), "--display-name", "x", "--vault", "default");
        assertThat(code).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(err.toString()).startsWith("UNREACHABLE: cannot reach Keyway at http://127.0.0.1:" + port);
        assertThat(Files.readString(file).strip()).isEqualTo(f.adminToken);
    }

    @Test
    void missingAndEmptyFilesHaveTheirOwnCodes() throws Exception {
        Result missing = keep("--token-file", dir.resolve("nope/agent-token").toString(), "--display-name", "x", "--vault", "default");
        assertThat(missing.exit()).isEqualTo(10);
        assertThat(missing.err()).startsWith("MISSING: the token file").contains("Create it with: keyway token keep ").contains("--reset");
        Result empty = keep("--token-file", file("  ").toString(), "--display-name", "x", "--vault", "default");
        assertThat(empty.exit()).isEqualTo(11);
        assertThat(empty.err()).startsWith("EMPTY: ");
    }

    @Test
    void resetMintsWithTheCallersOwnCredentials() throws Exception {
        String n = name();
        JsonNode old = periodic(n);
        Path file = dir.resolve("reset/agent-token");
        Files.createDirectories(file.getParent());
        Path admin = Files.createDirectories(dir.resolve("admin-home"));
        Files.writeString(admin.resolve("admin-token"), f.adminToken);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute("token", "keep", "--addr", f.base(),
                "--data-dir", admin.toString(), "--token-file", file.toString(), "--display-name", n, "--vault", "default", "--reset");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("RESET: minted a new periodic token with the local admin token (revoked 1 stale)");
        assertThat(lookup(old.get("accessor").asString()).get("revoked").asBoolean()).isTrue();
        assertThat(keep("--token-file", file.toString(), "--display-name", n, "--vault", "default").exit()).isZero();
    }

    @Test
    void watchRepeats() throws Exception {
        String n = name();
        Path file = file(periodic(n).get("token").asString());
        Result r = keep("--token-file", file.toString(), "--display-name", n, "--vault", "default", "--watch", "--interval", "1ms",
                "--iterations", "2");
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("OK renewed"))).hasSize(2);
    }
}
