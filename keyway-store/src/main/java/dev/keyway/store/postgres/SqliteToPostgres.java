package dev.keyway.store.postgres;

import dev.keyway.store.StoreException;
import dev.keyway.store.migrate.Migrator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies a single node's SQLite database into an empty PostgreSQL database ({@code keyway db migrate}).
 *
 * <p>Rules: the source is first brought to the current schema (as a server start would), the
 * target is migrated to the same schema and must hold no rows; every table is copied in
 * foreign-key order, byte for byte (encrypted values stay encrypted under the same master key;
 * nothing is decrypted), in ONE PostgreSQL transaction that also checks each table's row count
 * against the source before it commits. So the copy is all or nothing, and a failed or
 * interrupted run leaves the target empty for another try.
 *
 * <p>Tables are discovered from the SQLite schema rather than listed here, so tables added by later
 * migrations are copied without touching this class; column values are converted by the target's
 * column type (SQLite keeps booleans as 0/1 integers).
 */
public final class SqliteToPostgres {
    private static final Set<String> SKIP = Set.of("schema_history");

    /** Row count per table, in copy order. */
    public record Report(Map<String, Long> counts, boolean copied) {}

    private SqliteToPostgres() {}

    /**
     * Counts the source, checks the target is empty, and unless {@code dryRun} copies.
     *
     * @throws StoreException if the target is not empty, a count does not match, or a database fails
     */
    public static Report run(Path sqliteFile, PostgresUrl target, boolean dryRun) {
        try (Connection src = DriverManager.getConnection("jdbc:sqlite:" + sqliteFile.toAbsolutePath())) {
            new Migrator(Migrator.COMMON).migrate(src);
            List<String> tables = order(src);
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String t : tables) {
                counts.put(t, count(src, t));
            }
            if (dryRun) {
                checkEmptyIfPresent(target, tables);
                return new Report(counts, false);
            }
            PostgresStore.migrate(target);
            try (Connection dst = PostgresStore.connect(target)) {
                dst.setAutoCommit(false);
                try {
                    for (String t : tables) {
                        long existing = count(dst, t) - (t.equals("revision") ? 1 : 0);
                        if (existing > 0) {
                            throw new StoreException("the target database is not empty (table " + t + " has rows); "
                                    + "db migrate only copies into an empty database");
                        }
                    }
                    for (String t : tables) {
                        copy(src, dst, t);
                    }
                    for (String t : tables) {
                        long n = count(dst, t);
                        if (n != counts.getOrDefault(t, -1L)) {
                            throw new StoreException("row count of " + t + " differs after the copy (source " + counts.get(t)
                                    + ", target " + n + "); nothing was committed");
                        }
                    }
                    dst.commit();
                } catch (SQLException | RuntimeException e) {
                    dst.rollback();
                    throw e;
                }
            }
            return new Report(counts, true);
        } catch (SQLException e) {
            throw new StoreException("db migrate failed (SQLState " + e.getSQLState() + "): " + e.getMessage(), e);
        }
    }

    private static void checkEmptyIfPresent(PostgresUrl target, List<String> tables) throws SQLException {
        try (Connection dst = PostgresStore.connect(target)) {
            for (String t : tables) {
                try (PreparedStatement ps = dst.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                    ps.setString(1, "public." + t);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            continue;
                        }
                    }
                }
                long n = count(dst, t) - (t.equals("revision") ? 1 : 0);
                if (n > 0) {
                    throw new StoreException("the target database is not empty (table " + t + " has rows); "
                            + "db migrate only copies into an empty database");
                }
            }
        }
    }

    /** User tables of the SQLite schema, parents before children (foreign keys). */
    static List<String> order(Connection src) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = src.createStatement();
                ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) {
                if (!SKIP.contains(rs.getString(1))) {
                    names.add(rs.getString(1));
                }
            }
        }
        Map<String, Set<String>> parents = new HashMap<>();
        for (String t : names) {
            Set<String> ps = new LinkedHashSet<>();
            try (Statement st = src.createStatement(); ResultSet rs = st.executeQuery("PRAGMA foreign_key_list(" + quote(t) + ")")) {
                while (rs.next()) {
                    String parent = rs.getString("table");
                    if (!parent.equals(t)) {
                        ps.add(parent);
                    }
                }
            }
            parents.put(t, ps);
        }
        List<String> out = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        while (out.size() < names.size()) {
            boolean progress = false;
            for (String t : names) {
                if (!done.contains(t) && done.containsAll(parents.getOrDefault(t, Set.of()).stream().filter(names::contains).toList())) {
                    out.add(t);
                    done.add(t);
                    progress = true;
                }
            }
            if (!progress) {
                throw new StoreException("cyclic foreign keys between tables; cannot order the copy");
            }
        }
        return out;
    }

    private static void copy(Connection src, Connection dst, String table) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        try (PreparedStatement ps = dst.prepareStatement(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (table.equals("revision")) {
            try (Statement st = src.createStatement(); ResultSet rs = st.executeQuery("SELECT value FROM revision WHERE id = 1");
                    PreparedStatement up = dst.prepareStatement("UPDATE revision SET value = ? WHERE id = 1")) {
                if (rs.next()) {
                    up.setLong(1, rs.getLong(1));
                    up.executeUpdate();
                }
            }
            return;
        }
        try (Statement st = src.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + quote(table))) {
            int n = rs.getMetaData().getColumnCount();
            List<String> cols = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                String c = rs.getMetaData().getColumnName(i);
                if (!types.containsKey(c)) {
                    throw new StoreException("column " + table + "." + c + " is missing in the target schema");
                }
                cols.add(c);
            }
            String sql = "INSERT INTO " + quote(table) + " (" + String.join(", ", cols.stream().map(SqliteToPostgres::quote).toList())
                    + ") VALUES (" + String.join(", ", cols.stream().map(c -> "?").toList()) + ")";
            try (PreparedStatement ins = dst.prepareStatement(sql)) {
                int batch = 0;
                while (rs.next()) {
                    for (int i = 1; i <= n; i++) {
                        set(ins, i, types.getOrDefault(cols.get(i - 1), ""), rs);
                    }
                    ins.addBatch();
                    if (++batch % 500 == 0) {
                        ins.executeBatch();
                    }
                }
                ins.executeBatch();
            }
        }
    }

    private static void set(PreparedStatement ins, int i, String pgType, ResultSet rs) throws SQLException {
        Object v = rs.getObject(i);
        if (v == null) {
            ins.setNull(i, switch (pgType) {
                case "boolean" -> java.sql.Types.BOOLEAN;
                case "bytea" -> java.sql.Types.BINARY;
                case "bigint", "integer", "smallint" -> java.sql.Types.BIGINT;
                default -> java.sql.Types.VARCHAR;
            });
            return;
        }
        switch (pgType) {
            case "boolean" -> ins.setBoolean(i, rs.getLong(i) != 0);
            case "bytea" -> ins.setBytes(i, rs.getBytes(i));
            case "bigint", "integer", "smallint" -> ins.setLong(i, rs.getLong(i));
            default -> ins.setString(i, rs.getString(i));
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + quote(table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String quote(String ident) {
        if (!ident.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new StoreException("unexpected table or column name in the source schema: " + ident);
        }
        return "\"" + ident + "\"";
    }
}
