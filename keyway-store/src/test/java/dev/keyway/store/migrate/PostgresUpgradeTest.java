package dev.keyway.store.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresStore;
import dev.keyway.store.postgres.PostgresUrl;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A PostgreSQL database made by the previous release is upgraded in place, keeping its data. */
class PostgresUpgradeTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void previousVersionUpgradesKeepingItsData() throws Exception {
        PostgresUrl url = PG.newDatabase();
        int latest = new Migrator(Dialect.POSTGRESQL).latestVersion();
        try (Connection c = PostgresStore.connect(url)) {
            Migrator previous = new Migrator(Migrator.COMMON, Dialect.POSTGRESQL, getClass().getClassLoader(), latest - 1,
                    Clock.systemUTC());
            assertThat(previous.migrate(c).toVersion()).isEqualTo(latest - 1);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO vaults VALUES ('vlt_old', 'main', 'deny', '\\x0102'::bytea, 1000, 'alice')");
                st.executeUpdate("UPDATE revision SET value = 41");
            }
        }
        Migrator.Result r = PostgresStore.migrate(url);
        assertThat(r.fromVersion()).isEqualTo(latest - 1);
        assertThat(r.applied()).containsExactly(latest);
        try (PostgresStore store = PostgresStore.open(url, Clock.systemUTC(), 2)) {
            assertThat(store.vaultById("vlt_old").orElseThrow().wrappedKey()).containsExactly(1, 2);
            assertThat(store.revision()).isEqualTo(41);
            store.createVault("new", new byte[] {3}, "bob");
            assertThat(store.revision()).isEqualTo(42);
        }
        try (Connection c = PostgresStore.connect(url); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM schema_history")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(latest);
        }
    }
}
