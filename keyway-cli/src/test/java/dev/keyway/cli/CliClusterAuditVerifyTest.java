package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.KeywayServer;
import dev.keyway.server.ServerConfig;
import dev.keyway.server.aws.AwsEnv;
import dev.keyway.server.cluster.ClusterConfig;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresStore;
import dev.keyway.store.postgres.PostgresUrl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway audit verify} on a cluster (issue 11): from any node it checks every node's chain
 * in the cluster-wide {@code audit_records} table with the single-node verifier's checks, one line
 * per node; a row edited in PostgreSQL exits 5 naming the node and the record; {@code --node} picks
 * one node.
 */
class CliClusterAuditVerifyTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static final String PASSWORD = "cluster master password";

    @TempDir
    Path dir;

    final List<KeywayServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        for (KeywayServer s : servers.reversed()) {
            s.close();
        }
    }

    KeywayServer node(PostgresUrl db, String name) throws Exception {
        ServerConfig cfg = ServerConfig.defaults(dir.resolve(name)).withPorts(0, 0).withMasterPassword(PASSWORD.toCharArray());
        KeywayServer s = KeywayServer.start(cfg, ClusterConfig.postgres(db, name), AwsEnv.system(null, null), Clock.systemUTC());
        servers.add(s);
        return s;
    }

    CliHarness.Result cli(KeywayServer via, String name, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--addr", "http://127.0.0.1:" + via.apiPort(), "--data-dir", dir.resolve(name).toString()));
        return CliHarness.raw(all.toArray(String[]::new));
    }

    /** Waits (bounded) until the node has shipped everything it wrote so far. */
    void awaitShipped(KeywayServer s, String name) throws Exception {
        String token = Files.readString(dir.resolve(name).resolve("admin-token")).strip();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (HttpClient http = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build()) {
            while (true) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.apiPort() + "/v1/status"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode shipping = CliHarness.JSON.readTree(r.body()).path("audit_shipping");
                if (shipping.path("state").asString().equals("shipping") && shipping.path("lag_records").asLong(-1) == 0
                        && shipping.path("shipped_seq").asLong() > 0) {
                    return;
                }
                assertThat(System.nanoTime()).as("node %s ships its audit records: %s", name, r.body()).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    @Test
    void verifiesEveryNodesChainFromTheTableAndNamesTheNodeOfAnEditedRow() throws Exception {
        PostgresUrl db = PG.newDatabase();
        KeywayServer a = node(db, "node-a");
        KeywayServer b = node(db, "node-b");
        cli(a, "node-a", "vault", "create", "from-a").ok();
        cli(b, "node-b", "vault", "create", "from-b").ok();
        cli(b, "node-b", "vault", "create", "later-on-b").ok();
        awaitShipped(a, "node-a");
        awaitShipped(b, "node-b");

        // from either node: every node's chain, one line each
        var ok = cli(a, "node-a", "audit", "verify").ok();
        assertThat(ok.out()).containsPattern("node node-a: audit log intact: \\d+ records checked \\(seq 1\\.\\.\\d+\\)")
                .containsPattern("node node-b: audit log intact: \\d+ records checked \\(seq 1\\.\\.\\d+\\)");
        JsonNode json = cli(b, "node-b", "audit", "verify", "--json").ok().json();
        assertThat(json.path("scope").asString()).isEqualTo("cluster");
        List<String> names = new ArrayList<>();
        json.path("nodes").forEach(n -> names.add(n.path("node").asString()));
        assertThat(names).containsExactly("node-a", "node-b");
        assertThat(json.path("checked").asLong()).isEqualTo(json.path("nodes").get(0).path("checked").asLong()
                + json.path("nodes").get(1).path("checked").asLong());

        // someone with write access to the database edits one of node-b's shipped records
        long seq;
        try (Connection c = PostgresStore.connect(db)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM audit_records WHERE node = 'node-b' AND record LIKE ?")) {
                ps.setString(1, "%\"vault\":\"from-b\"%");
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("node-b's vault.create record is in the table").isTrue();
                    seq = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE audit_records SET record = replace(record, '\"vault\":\"from-b\"', '\"vault\":\"other\"') "
                            + "WHERE node = 'node-b' AND seq = ?")) {
                ps.setLong(1, seq);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
        var broken = cli(a, "node-a", "audit", "verify").expect(ExitCodes.CONFLICT);
        assertThat(broken.out()).containsPattern("node node-a: audit log intact: \\d+ records checked")
                .contains("node node-b: audit chain BROKEN at record " + seq + " (audit_records of node node-b): edited:")
                .contains((seq - 1) + " records before it verified");
        JsonNode brokenJson = cli(a, "node-a", "audit", "verify", "--json").expect(ExitCodes.CONFLICT).json();
        assertThat(brokenJson.path("state").asString()).isEqualTo("broken");
        JsonNode nodeB = brokenJson.path("nodes").get(1);
        assertThat(nodeB.path("node").asString()).isEqualTo("node-b");
        assertThat(nodeB.path("break").path("kind").asString()).isEqualTo("edited");
        assertThat(nodeB.path("break").path("seq").asLong()).isEqualTo(seq);

        // --node picks one node's chain; the intact one passes, an unknown name is not found
        var onlyA = cli(b, "node-b", "audit", "verify", "--node", "node-a").ok();
        assertThat(onlyA.out()).contains("node node-a: audit log intact").doesNotContain("node-b");
        cli(b, "node-b", "audit", "verify", "--node", "node-b").expect(ExitCodes.CONFLICT);
        var unknown = cli(b, "node-b", "audit", "verify", "--node", "node-z").expect(ExitCodes.NOT_FOUND);
        assertThat(unknown.out() + unknown.err()).contains("no node named 'node-z'");

        // records cut from the end of a node's records are found too (its shipping cursor says how far it shipped)
        try (Connection c = PostgresStore.connect(db); var st = c.createStatement()) {
            st.executeUpdate("DELETE FROM audit_records WHERE node = 'node-a' AND seq = (SELECT MAX(seq) FROM audit_records "
                    + "WHERE node = 'node-a')");
        }
        var cut = cli(b, "node-b", "audit", "verify", "--node", "node-a").expect(ExitCodes.CONFLICT);
        assertThat(cut.out()).contains("node node-a: audit chain BROKEN at record").contains("(audit_records of node node-a): removed:");
    }
}
