package dev.keyway.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.store.Store;
import dev.keyway.store.StoreContractTest;
import dev.keyway.store.StoreException;
import dev.keyway.store.VaultRecord;
import dev.keyway.store.migrate.Migrator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store contract plus what is specific to the SQLite file. */
class SqliteStoreTest extends StoreContractTest {

    private Path dbFile() {
        return dir.resolve("data").resolve("keyway.db");
    }

    @Override
    protected Store newStore(Path dir, Clock clock) {
        return SqliteStore.open(dir.resolve("data").resolve("keyway.db"), clock);
    }

    @Override
    protected Store openSameDatabase(Path dir, Clock clock) {
        return SqliteStore.open(dbFile(), clock);
    }

    private SqliteStore sqlite() {
        return (SqliteStore) store;
    }

    private static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** Runs SQL on a second, raw connection (as another process or an operator would). */
    private List<List<String>> sql(String query) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile());
                Statement st = c.createStatement()) {
            if (!st.execute(query)) {
                return List.of();
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = st.getResultSet()) {
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    @Test
    void databaseAndSidecarFilesAreOwnerOnly() throws Exception {
        vault("main");
        assertThat(perms(dbFile())).isEqualTo("rw-------");
        assertThat(perms(dbFile().getParent())).isEqualTo("rwx------");
        Path wal = dbFile().resolveSibling("keyway.db-wal");
        Path shm = dbFile().resolveSibling("keyway.db-shm");
        assertThat(wal).exists();
        assertThat(shm).exists();
        assertThat(perms(wal)).isEqualTo("rw-------");
        assertThat(perms(shm)).isEqualTo("rw-------");
    }

    @Test
    void existingWorldReadableFileIsTightened() throws Exception {
        store.close();
        Files.setPosixFilePermissions(dbFile(), PosixFilePermissions.fromString("rw-r--r--"));
        store = newStore(dir, clock);
        assertThat(perms(dbFile())).isEqualTo("rw-------");
    }

    @Test
    void pragmasAreWalFullSyncForeignKeysAndBusyTimeout() {
        assertThat(sqlite().pragma("journal_mode")).isEqualTo("wal");
        assertThat(sqlite().pragma("synchronous")).isEqualTo("2"); // FULL
        assertThat(sqlite().pragma("foreign_keys")).isEqualTo("1");
        assertThat(sqlite().pragma("busy_timeout")).isEqualTo("5000");
    }

    @Test
    void emptyDatabaseIsMigratedAndReopeningAppliesNothing() throws Exception {
        Migrator m = new Migrator(SqliteStore.MIGRATIONS);
        List<List<String>> history = sql("SELECT version, checksum_sha256, applied_at FROM schema_history ORDER BY version");
        assertThat(history).hasSize(m.latestVersion());
        assertThat(history.getFirst().get(1)).isEqualTo(m.migrations().getFirst().checksum());

        store.close();
        store = newStore(dir, clock);
        store.close();
        store = newStore(dir, clock);
        assertThat(sql("SELECT version, checksum_sha256, applied_at FROM schema_history ORDER BY version"))
                .isEqualTo(history);
    }

    @Test
    void dataSurvivesCloseAndReopen() {
        VaultRecord v = vault("main");
        store.putCredential(v.id(), "gh", "pat", "alice", ver -> bytes("ciphertext"));
        long rev = store.revision();
        store.close();
        store = newStore(dir, clock);
        assertThat(store.vaultByName("main")).get().usingRecursiveComparison().isEqualTo(v);
        assertThat(store.credential(v.id(), "gh").orElseThrow().ciphertext()).isEqualTo(bytes("ciphertext"));
        assertThat(store.revision()).isEqualTo(rev);
    }

    @Test
    void editedMigrationIsRefused() throws Exception {
        store.close();
        sql("UPDATE schema_history SET checksum_sha256 = 'deadbeef' WHERE version = 1");
        assertThatThrownBy(() -> newStore(dir, clock)).isInstanceOf(StoreException.class)
                .hasMessageContaining("V1")
                .hasMessageContaining("changed after it was applied");
        sql("UPDATE schema_history SET checksum_sha256 = '" + new Migrator(SqliteStore.MIGRATIONS)
                .migrations().getFirst().checksum() + "' WHERE version = 1");
        store = newStore(dir, clock);
    }

    @Test
    void newerSchemaIsRefused() throws Exception {
        store.close();
        int max = new Migrator(SqliteStore.MIGRATIONS).latestVersion();
        sql("INSERT INTO schema_history VALUES (99, 'from the future', 'x', 0)");
        assertThatThrownBy(() -> newStore(dir, clock)).isInstanceOf(StoreException.class)
                .hasMessage("database schema version 99 is newer than this Keyway (max " + max + "); upgrade Keyway");
        sql("DELETE FROM schema_history WHERE version = 99");
        store = newStore(dir, clock);
    }

    @Test
    void secondOpenerOfTheSameFileSeesChangesThroughRevision() {
        try (SqliteStore other = SqliteStore.open(dbFile(), clock)) {
            long before = other.revision();
            vault("main");
            assertThat(other.revision()).isEqualTo(before + 1);
            assertThat(other.vaultByName("main")).isPresent();
            other.putMeta("from", "other");
            assertThat(store.meta("from")).contains("other");
        }
    }

    @Test
    void atomicWorkIsInvisibleToOtherConnectionsUntilItCommits() {
        try (SqliteStore other = SqliteStore.open(dbFile(), clock)) {
            long before = other.revision();
            store.atomically(s -> {
                VaultRecord v = s.createVault("main", bytes("wk"), "alice");
                s.setGrant("usr_a", v.id(), "admin");
                assertThat(other.vaultByName("main")).isEmpty();
                assertThat(other.allGrants()).isEmpty();
                assertThat(other.revision()).isEqualTo(before);
                return v;
            });
            assertThat(other.vaultByName("main")).isPresent();
            assertThat(other.allGrants()).hasSize(1);
            assertThat(other.revision()).isEqualTo(before + 2);
        }
    }

    @Test
    void twoOpenersWritingConcurrentlyWaitForEachOtherInsteadOfFailing() throws Exception {
        String id = vault("main").id();
        try (SqliteStore other = SqliteStore.open(dbFile(), clock);
                var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            long before = store.revision();
            List<java.util.concurrent.Future<List<Integer>>> results = new ArrayList<>();
            for (Store s : List.of(store, other)) {
                results.add(pool.submit(() -> {
                    List<Integer> versions = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        versions.add(s.putCredential(id, "shared", null, "a", v -> bytes("v" + v)).version());
                    }
                    return versions;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (var r : results) {
                all.addAll(r.get());
            }
            assertThat(all).hasSize(200).doesNotHaveDuplicates();
            assertThat(other.credential(id, "shared").orElseThrow().version()).isEqualTo(200);
            assertThat(store.revision()).isEqualTo(before + 200);
        }
    }

    @Test
    void storeErrorsDoNotLeakValues() throws Exception {
        String id = vault("main").id();
        // a trigger makes the database itself fail an insert carrying a secret-looking value
        sql("CREATE TRIGGER no_creds BEFORE INSERT ON credentials BEGIN SELECT RAISE(ABORT, 'nope'); END");
        assertThatThrownBy(() -> store.putCredential(id, "gh", "desc", "a", v -> bytes("SECRET-CIPHERTEXT")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("putCredential")
                .hasMessageNotContaining("SECRET");
    }
}
