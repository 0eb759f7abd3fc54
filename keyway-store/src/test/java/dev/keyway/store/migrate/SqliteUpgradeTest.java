package dev.keyway.store.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.store.GrantRecord;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.VaultRecord;
import dev.keyway.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database written by an older Keyway (schema V1) is upgraded in place without losing data. */
class SqliteUpgradeTest {
    @TempDir
    Path dir;

    @Test
    void v1DatabaseUpgradesToV2KeepingItsData() throws SQLException {
        Path db = dir.resolve("keyway.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            Migrator v1 = new Migrator(SqliteStore.MIGRATIONS, getClass().getClassLoader(), 1, Clock.systemUTC());
            assertThat(v1.migrate(c).toVersion()).isEqualTo(1);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO vaults VALUES ('vlt_old', 'main', 'deny', x'0102', 1000, 'alice')");
                st.executeUpdate("INSERT INTO credentials VALUES ('vlt_old', 'gh', 'pat', 3, x'aabb', 1000, 2000, 'bob')");
                st.executeUpdate("INSERT INTO tokens (id, accessor, hash, type, vault_id, role, display_name, created_by,"
                        + " created_at, revoked) VALUES ('tok_old', 'acc', x'00ff', 'scoped', 'vlt_old', 'proxy', 'ci',"
                        + " 'alice', 1000, FALSE)");
                st.executeUpdate("UPDATE revision SET value = 41");
            }
        }

        try (SqliteStore store = SqliteStore.open(db)) {
            assertThat(versions(db)).containsExactlyElementsOf(java.util.stream.IntStream
                    .rangeClosed(1, new Migrator(SqliteStore.MIGRATIONS).latestVersion()).boxed().toList());
            VaultRecord v = store.vaultById("vlt_old").orElseThrow();
            assertThat(v.name()).isEqualTo("main");
            assertThat(v.unmatchedPolicy()).isEqualTo("deny");
            assertThat(store.credential("vlt_old", "gh").orElseThrow().version()).isEqualTo(3);
            TokenRecord t = store.tokenById("tok_old").orElseThrow();
            assertThat(t.subject()).as("tokens from before V2 have no owner").isNull();
            assertThat(t.displayName()).isEqualTo("ci");
            assertThat(store.revision()).isEqualTo(41);

            String user = store.createUser("alice@example.com", "h", "owner").id();
            store.setGrant(user, "vlt_old", "admin");
            assertThat(store.grantsOf(user)).containsExactly(new GrantRecord(user, "vlt_old", "admin"));
            store.insertToken(new TokenRecord("tok_new", "acc2", "h2".getBytes(StandardCharsets.UTF_8), "session",
                    null, null, "web", user, Instant.ofEpochMilli(5000), null, null, null, null, false, null, null, user));
            assertThat(store.revokeTokensOfSubject(user)).isEqualTo(1);
            assertThat(store.tokenById("tok_old").orElseThrow().revoked()).isFalse();
        }
    }

    private static List<Integer> versions(Path db) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT version FROM schema_history ORDER BY version")) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }
}
