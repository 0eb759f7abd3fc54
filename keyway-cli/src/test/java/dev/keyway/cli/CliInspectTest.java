package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Read-only commands: {@code ca export}, {@code audit tail}, {@code status}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliInspectTest {
    @TempDir
    static Path dir;

    @TempDir
    static Path files;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    static X509Certificate parse(String pem) throws Exception {
        var cf = CertificateFactory.getInstance("X.509");
        return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void caExportToStdoutAndFile() throws Exception {
        var r = kw.cli("ca", "export").ok();
        assertThat(r.out()).startsWith("-----BEGIN CERTIFICATE-----").contains("-----END CERTIFICATE-----");
        X509Certificate cert = parse(r.out());
        assertThat(cert.getBasicConstraints()).as("is a CA").isGreaterThanOrEqualTo(0);
        cert.checkValidity();

        Path out = files.resolve("keyway-ca.pem");
        var toFile = kw.cli("ca", "export", "-o", out.toString()).ok();
        assertThat(toFile.out()).isEmpty();
        assertThat(toFile.err()).contains(out.toString());
        assertThat(parse(Files.readString(out))).isEqualTo(cert);
        assertThat(Files.readString(out)).isEqualTo(Files.readString(dir.resolve("ca.pem")));

        assertThat(kw.cli("ca", "export", "-o", files.resolve("no/such/dir/ca.pem").toString()).expect(ExitCodes.FAILURE).err())
                .contains("cannot write");
    }

    @Test
    void auditTailShowsControlPlaneRecords() {
        kw.cli("vault", "create", "audited").ok();
        kw.cliWithStdin("canary-audit-4f1e9b", "credential", "set", "AUDITED_KEY", "--vault", "audited").ok();

        var json = kw.cli("audit", "tail", "--json", "-n", "100").ok();
        List<String> lines = json.out().lines().toList();
        assertThat(lines).isNotEmpty();
        List<JsonNode> records = lines.stream().map(l -> CliHarness.JSON.readTree(l)).toList();
        assertThat(records).anySatisfy(r -> {
            assertThat(r.get("action").asString()).isEqualTo("vault.create");
            assertThat(r.get("vault").asString()).isEqualTo("audited");
            assertThat(r.get("type").asString()).isEqualTo("control");
        });
        assertThat(records).anySatisfy(r -> {
            assertThat(r.get("action").asString()).isEqualTo("credential.set");
            assertThat(r.get("credential").asString()).isEqualTo("AUDITED_KEY");
        });
        assertThat(json.out()).doesNotContain("canary-audit-4f1e9b");
        // oldest first
        List<Long> seqs = records.stream().map(r -> r.get("seq").asLong()).toList();
        assertThat(seqs).isSorted();

        var text = kw.cli("audit", "tail", "--vault", "audited").ok();
        assertThat(text.out()).contains("vault.create").contains("credential.set").contains("vault=audited")
                .doesNotContain("canary-audit-4f1e9b");
        assertThat(kw.cli("audit", "tail", "--json", "-n", "1").ok().out().lines()).hasSize(1);
        assertThat(kw.cli("audit", "tail", "--json", "--type", "control", "-n", "1000").ok().out().lines())
                .allSatisfy(l -> assertThat(CliHarness.JSON.readTree(l).get("type").asString()).isEqualTo("control"));
        kw.cli("audit", "tail", "--vault", "no-such-vault").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void auditTailFollowPrintsNewRecordsUntilInterrupted() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread follower = new Thread(() -> code.set(Main.run(new String[] {"audit", "tail", "--follow", "--json", "-n", "1",
            "--addr", kw.addr(), "--data-dir", dir.toString()}, new PrintWriter(out, true), new PrintWriter(err, true))));
        follower.start();
        try {
            awaitContains(out, "\"seq\"");
            kw.cli("vault", "create", "followed").ok();
            awaitContains(out, "\"followed\"");
        } finally {
            follower.interrupt();
            follower.join(10_000);
        }
        assertThat(follower.isAlive()).as("follow stops on interrupt").isFalse();
        assertThat(out.toString().lines()).allSatisfy(l -> CliHarness.JSON.readTree(l));
        assertThat(out.toString().lines().filter(l -> l.contains("\"followed\""))).hasSize(1);
    }

    private static void awaitContains(StringWriter w, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!w.toString().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in:\n" + w);
            }
            Thread.sleep(50); // polls a live stream's output
        }
    }

    @Test
    void status() {
        var text = kw.cli("status").ok();
        assertThat(text.out()).containsPattern("(?m)^instance_id:\\s+\\S+").containsPattern("(?m)^database:\\s+ok$")
                .containsPattern("(?m)^vaults:\\s+\\d+$").containsPattern("(?m)^uptime_seconds:\\s+\\d+$")
                .containsPattern("(?m)^ca_fingerprint:");
        JsonNode json = kw.cli("status", "--json").ok().json();
        assertThat(json.get("database").asString()).isEqualTo("ok");
        assertThat(json.get("audit").asString()).isEqualTo("ok");
        assertThat(json.get("vaults").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(Path.of(json.get("data_dir").asString())).isEqualTo(dir.toAbsolutePath());
    }
}
