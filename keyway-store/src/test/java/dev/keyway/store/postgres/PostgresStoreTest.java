package dev.keyway.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.store.Store;
import dev.keyway.store.StoreContractTest;
import dev.keyway.store.migrate.Migrator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on a real PostgreSQL, plus what is specific to it (migrations under a lock, NOTIFY). */
class PostgresStoreTest extends StoreContractTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    private PostgresUrl url;

    @Override
    protected Store newStore(Path dir, Clock clock) {
        url = PG.newDatabase();
        return PostgresStore.open(url, clock, 4);
    }

    @Override
    protected Store openSameDatabase(Path dir, Clock clock) {
        return PostgresStore.open(url, clock, 4);
    }

    private List<String> column(String sql) throws SQLException {
        try (Connection c = PostgresStore.connect(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    @Test
    void schemaHistoryHoldsEveryMigrationOnce() throws Exception {
        int latest = new Migrator(dev.keyway.store.migrate.Dialect.POSTGRESQL).latestVersion();
        assertThat(column("SELECT version FROM schema_history ORDER BY version"))
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, latest).mapToObj(Integer::toString).toList());
        assertThat(column("SELECT data_type FROM information_schema.columns WHERE table_name = 'vaults' AND column_name = 'wrapped_key'"))
                .containsExactly("bytea");
    }

    /** Nodes starting together on an empty database: each step is applied once, and every node starts. */
    @Test
    void racingMigratorsApplyEachStepOnce() throws Exception {
        PostgresUrl fresh = PG.newDatabase();
        int nodes = 4;
        CyclicBarrier go = new CyclicBarrier(nodes);
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        try {
            List<CompletableFuture<Migrator.Result>> runs = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return PostgresStore.migrate(fresh);
                }, pool));
            }
            List<Integer> applied = new ArrayList<>();
            for (CompletableFuture<Migrator.Result> r : runs) {
                applied.addAll(r.get(120, TimeUnit.SECONDS).applied());
            }
            int latest = new Migrator(dev.keyway.store.migrate.Dialect.POSTGRESQL).latestVersion();
            assertThat(applied).hasSize(latest).doesNotHaveDuplicates();
            url = fresh;
            assertThat(column("SELECT count(*) FROM schema_history")).containsExactly(Integer.toString(latest));
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each change is logged in its transaction and announced with its id on the channel, at commit. */
    @Test
    void writesAppendToTheChangeLogAndNotify() throws Exception {
        try (Connection listen = PostgresStore.connect(url); Statement st = listen.createStatement()) {
            st.execute("LISTEN " + PostgresStore.CHANNEL);
            store.createVault("notified", bytes("k"), "alice");
            long rev = store.revision();
            org.postgresql.PGNotification[] got = null;
            for (int i = 0; i < 100 && (got == null || got.length == 0); i++) {
                got = listen.unwrap(org.postgresql.PGConnection.class).getNotifications(100);
            }
            assertThat(got).isNotNull().isNotEmpty();
            assertThat(got[got.length - 1].getParameter()).isEqualTo(Long.toString(rev));
        }
        assertThat(column("SELECT op FROM change_log ORDER BY id DESC LIMIT 1")).containsExactly("createVault");
    }

    @Test
    void urlNeverShowsThePassword() {
        PostgresUrl u = PostgresUrl.parse("postgresql://bob:s%40cret@db.example:6543/keyway?sslmode=require&password=x");
        assertThat(u.user()).isEqualTo("bob");
        assertThat(u.password()).isEqualTo("s@cret");
        assertThat(u.port()).isEqualTo(6543);
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/keyway?sslmode=require&password=x");
        assertThat(u.toString()).doesNotContain("s@cret").doesNotContain("cret").contains("sslmode=require").contains("password=***");
    }
}
