package dev.keyway.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.server.cluster.ClusterNodes.Node;
import dev.keyway.server.cluster.ClusterNodes.Upstream;
import dev.keyway.store.StoreException;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresStore;
import dev.keyway.store.postgres.PostgresUrl;
import dev.keyway.store.postgres.SqliteToPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** {@code keyway db migrate} round trip: a populated single node, copied, serves the same tokens and credentials as a cluster node. */
class DbMigrateTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    Path dir;

    @Test
    void populatedSqliteNodeCopiesIntoPostgresAndKeepsWorking() throws Exception {
        Path data = dir.resolve("node");
        String token;
        try (Upstream upstream = new Upstream()) {
            try (Node single = ClusterNodes.start(data, ClusterConfig.single(), ClusterNodes.PASSWORD)) {
                ClusterNodes.configure(single, upstream);
                token = JsonMapper.builder().build().readTree(ClusterNodes.ok(single.call("POST", "/v1/tokens",
                        "{\"vault\":\"default\",\"ttl\":\"1h\"}"))).get("token").asString();
                assertThat(ClusterNodes.get(single.server().proxyPort(), upstream.port(), token).status()).isEqualTo(200);
            }
            PostgresUrl db = PG.newDatabase();

            SqliteToPostgres.Report dry = SqliteToPostgres.run(data.resolve("keyway.db"), db, true);
            assertThat(dry.copied()).isFalse();
            assertThat(dry.counts()).containsEntry("credentials", 1L).containsEntry("services", 1L).containsKey("tokens");
            assertThat(count(db, "information_schema.tables WHERE table_name = 'vaults'")).isZero(); // dry run wrote nothing

            SqliteToPostgres.Report copied = SqliteToPostgres.run(data.resolve("keyway.db"), db, false);
            assertThat(copied.copied()).isTrue();
            assertThat(copied.counts()).isEqualTo(dry.counts());
            for (var e : copied.counts().entrySet()) {
                assertThat(count(db, e.getKey())).as(e.getKey()).isEqualTo(e.getKey().equals("revision") ? 1 : e.getValue());
            }
            // still encrypted: the stored ciphertext does not contain the secret
            try (Connection c = PostgresStore.connect(db); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT ciphertext FROM credentials")) {
                rs.next();
                assertThat(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).doesNotContain(ClusterNodes.SECRET);
            }
            assertThatThrownBy(() -> SqliteToPostgres.run(data.resolve("keyway.db"), db, false))
                    .isInstanceOf(StoreException.class).hasMessageContaining("not empty");
            assertThatThrownBy(() -> SqliteToPostgres.run(data.resolve("keyway.db"), db, true))
                    .isInstanceOf(StoreException.class).hasMessageContaining("not empty");

            // the same data dir (its admin token, same master key) now runs as a cluster node on the copy
            try (Node node = ClusterNodes.start(data, db, "migrated", ClusterNodes.PASSWORD)) {
                int port = node.server().proxyPort();
                assertThat(ClusterNodes.await(Duration.ofSeconds(10),
                        () -> {
                            try {
                                return ClusterNodes.get(port, upstream.port(), token).status() == 200;
                            } catch (java.io.IOException e) {
                                return false;
                            }
                        })).isTrue();
                assertThat(upstream.seen).last().isEqualTo("Bearer " + ClusterNodes.SECRET);
                assertThat(ClusterNodes.ok(node.call("GET", "/v1/status", null))).contains("\"store\":\"postgresql\"");
            }
        }
    }

    private static long count(PostgresUrl db, String from) throws Exception {
        try (Connection c = PostgresStore.connect(db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + from)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
