package dev.keyway.store.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.store.StoreException;
import dev.keyway.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MigratorTest {
    private static final String TEST = "db/test-sqlite";

    @TempDir
    Path dir;

    Connection c;

    @BeforeEach
    void open() throws SQLException {
        c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("m.db"));
    }

    @AfterEach
    void close() throws SQLException {
        c.close();
    }

    private static Migrator migrator(String location, int maxVersion) {
        return new Migrator(location, MigratorTest.class.getClassLoader(), maxVersion, Clock.systemUTC());
    }

    private List<String> column(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private List<String> tables() throws SQLException {
        return column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    }

    @Test
    void emptyDatabaseGetsEveryMigrationInOrder() throws SQLException {
        Migrator.Result r = migrator(TEST, Integer.MAX_VALUE).migrate(c);
        assertThat(r).isEqualTo(new Migrator.Result(0, 2, List.of(1, 2)));
        assertThat(tables()).containsExactly("a", "b", "schema_history");
        assertThat(column("SELECT version || ':' || description FROM schema_history ORDER BY version"))
                .containsExactly("1:create a", "2:add b");
        assertThat(c.getAutoCommit()).isTrue();
    }

    @Test
    void olderDatabaseIsUpgradedAndCurrentOneIsLeftAlone() throws SQLException {
        assertThat(migrator(TEST, 1).migrate(c)).isEqualTo(new Migrator.Result(0, 1, List.of(1)));
        assertThat(tables()).containsExactly("a", "schema_history");

        assertThat(migrator(TEST, Integer.MAX_VALUE).migrate(c)).isEqualTo(new Migrator.Result(1, 2, List.of(2)));
        assertThat(column("SELECT name || '/' || coalesce(note, '-') FROM a")).containsExactly("one/-");

        List<String> history = column("SELECT version || checksum_sha256 || applied_at FROM schema_history");
        assertThat(migrator(TEST, Integer.MAX_VALUE).migrate(c)).isEqualTo(new Migrator.Result(2, 2, List.of()));
        assertThat(column("SELECT version || checksum_sha256 || applied_at FROM schema_history")).isEqualTo(history);
    }

    @Test
    void newerDatabaseIsRefusedWithUpgradeHint() {
        migrator(TEST, Integer.MAX_VALUE).migrate(c);
        assertThatThrownBy(() -> migrator(TEST, 1).migrate(c)).isInstanceOf(StoreException.class)
                .hasMessage("database schema version 2 is newer than this Keyway (max 1); upgrade Keyway");
    }

    @Test
    void changedChecksumIsRefused() throws SQLException {
        migrator(TEST, Integer.MAX_VALUE).migrate(c);
        try (Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE schema_history SET checksum_sha256 = 'abc' WHERE version = 2");
        }
        assertThatThrownBy(() -> migrator(TEST, Integer.MAX_VALUE).migrate(c)).isInstanceOf(StoreException.class)
                .hasMessageContaining("V2 (add b) was changed after it was applied")
                .hasMessageContaining("db/test-sqlite/V2__add_b.sql");
    }

    @Test
    void failingMigrationRollsBackEntirely() throws SQLException {
        assertThatThrownBy(() -> migrator("db/test-bad", Integer.MAX_VALUE).migrate(c))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("V2 (broken) failed");
        assertThat(tables()).containsExactly("a", "schema_history");
        assertThat(column("SELECT version FROM schema_history")).containsExactly("1");
        assertThat(c.getAutoCommit()).isTrue();
    }

    @Test
    void gapInNumberingIsAProgrammingError() {
        assertThatThrownBy(() -> migrator("db/test-gap", Integer.MAX_VALUE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("found V3 where V2 was expected");
        assertThatThrownBy(() -> migrator("db/none", Integer.MAX_VALUE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no migration index");
    }

    @Test
    void checksumIgnoresLineEndings() {
        Migration lf = Migrator.load(TEST, getClass().getClassLoader()).getFirst();
        Migration crlf = Migrator.load("db/test-crlf", getClass().getClassLoader()).getFirst();
        assertThat(crlf.checksum()).isEqualTo(lf.checksum()).matches("[0-9a-f]{64}");
    }

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("CREATE TABLE a (x INT);", List.of("CREATE TABLE a (x INT)")),
                Arguments.of("CREATE TABLE a (\n  x INT\n);\n\nINSERT INTO a VALUES (1);\n",
                        List.of("CREATE TABLE a (\n  x INT\n)", "INSERT INTO a VALUES (1)")),
                Arguments.of("-- header\n\n-- only comments;\nSELECT 1;\n", List.of("-- header\n\n-- only comments;\nSELECT 1")),
                Arguments.of("-- nothing here;\n", List.of()),
                Arguments.of("SELECT 'a;b' AS x;\nSELECT 2", List.of("SELECT 'a;b' AS x", "SELECT 2")),
                Arguments.of("", List.of()));
    }

    @ParameterizedTest
    @MethodSource("scripts")
    void statementsSplitAtSemicolonsEndingALine(String sql, List<String> expected) {
        assertThat(new Migration(1, "t", "t", sql).statements()).isEqualTo(expected);
    }

    @Test
    void sqliteIndexListsEveryScriptInTheDirectory() throws Exception {
        Path dirOnDisk = Path.of(getClass().getClassLoader().getResource(SqliteStore.MIGRATIONS).toURI());
        Set<String> files;
        try (Stream<Path> s = Files.list(dirOnDisk)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).collect(Collectors.toSet());
        }
        Set<String> listed = new Migrator(SqliteStore.MIGRATIONS).migrations().stream()
                .map(m -> m.resource().substring(SqliteStore.MIGRATIONS.length() + 1))
                .collect(Collectors.toSet());
        assertThat(listed).isEqualTo(files);
    }
}
