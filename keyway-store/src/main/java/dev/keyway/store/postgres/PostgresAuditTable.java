package dev.keyway.store.postgres;

import dev.keyway.store.StoreException;
import dev.keyway.store.audit.AuditChain;
import dev.keyway.store.audit.AuditLine;
import dev.keyway.store.audit.AuditQuery;
import dev.keyway.store.audit.AuditShipSink;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cluster-wide audit table ({@code audit_records}, migration V11) of a PostgreSQL cluster: the
 * destination of every node's {@link dev.keyway.store.audit.AuditShipper} and what audit queries of
 * a clustered node read.
 *
 * <p>Why a cluster-wide id besides {@code (node, seq)}: per-node sequence numbers interleave, so
 * readers page and tail by {@code id}, the order in which batches arrived. Batches are inserted under
 * {@code pg_advisory_xact_lock(}{@value #SHIP_LOCK}{@code )} and take {@code max(id) + 1...} inside
 * it, so ids commit in increasing order: a reader that polls {@code id > last} never misses a row
 * that commits later with a smaller id (a plain sequence would allow that). Shipping is a few short
 * transactions per second per node, so the serialisation costs nothing the proxy waits for.
 *
 * <p>Records returned by {@link #query} carry {@code seq} = that cluster-wide id (so existing clients
 * that page with {@code after=SEQ} keep working), {@code node_seq} = the record's sequence number in
 * its node's local log, and {@code node}. The chain value stays in the table (for verifying a node's
 * chain from the database) but is not returned, as for the local log.
 */
public final class PostgresAuditTable implements AuditShipSink {
    /** Advisory lock key serialising id assignment ("Keyway" + 1). */
    public static final long SHIP_LOCK = PostgresStore.MIGRATION_LOCK + 1;

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final PostgresStore store;
    private final Clock clock;
    private final JsonMapper mapper = JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();

    public PostgresAuditTable(PostgresStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public long shipped(String node) {
        return run("read the audit shipping cursor", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM audit_ship_cursor WHERE node = ?")) {
                ps.setString(1, node);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    @Override
    public void ship(String node, List<AuditLine> lines) {
        if (lines.isEmpty()) {
            return;
        }
        run("ship audit records", c -> {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    lock.setLong(1, SHIP_LOCK);
                    lock.execute();
                }
                long base;
                try (PreparedStatement max = c.prepareStatement("SELECT COALESCE(MAX(id), 0) FROM audit_records");
                        ResultSet rs = max.executeQuery()) {
                    rs.next();
                    base = rs.getLong(1);
                }
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO audit_records "
                        + "(node, seq, id, ts, type, vault, actor, action, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (node, seq) DO NOTHING")) {
                    long id = base;
                    InstantMillis millis = new InstantMillis();
                    for (AuditLine l : lines) {
                        IndexedFields rec = IndexedFields.of(mapper, l.line());
                        ins.setString(1, node);
                        ins.setLong(2, l.seq());
                        ins.setLong(3, ++id);
                        ins.setLong(4, millis.of(rec.ts()));
                        ins.setString(5, rec.type());
                        ins.setString(6, rec.vault());
                        ins.setString(7, rec.actor());
                        ins.setString(8, rec.action());
                        ins.setString(9, l.text());
                        ins.addBatch();
                    }
                    ins.executeBatch();
                }
                try (PreparedStatement cur = c.prepareStatement("INSERT INTO audit_ship_cursor (node, seq, at) VALUES (?, ?, ?) "
                        + "ON CONFLICT (node) DO UPDATE SET seq = GREATEST(audit_ship_cursor.seq, EXCLUDED.seq), at = EXCLUDED.at")) {
                    cur.setString(1, node);
                    cur.setLong(2, lines.getLast().seq());
                    cur.setLong(3, clock.millis());
                    cur.executeUpdate();
                }
                c.commit();
                return Boolean.TRUE;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    @Override
    public byte @Nullable [] stored(String node, long seq) {
        return run("read a shipped audit record", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT record FROM audit_records WHERE node = ? AND seq = ?")) {
                ps.setString(1, node);
                ps.setLong(2, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(rs.getString(1).getBytes(StandardCharsets.UTF_8))
                            : java.util.Optional.<byte[]>empty();
                }
            }
        }).orElse(null);
    }

    /** The highest cluster-wide id (0 when empty): what live tails poll. */
    public long lastId() {
        return run("read the audit table", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(id), 0) FROM audit_records");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /**
     * Records of every node matching {@code q} ({@code sinceSeq} and the returned {@code seq} are
     * cluster-wide ids); at most {@code q.limit()}.
     */
    public List<Map<String, Object>> query(AuditQuery q) {
        StringBuilder sql = new StringBuilder("SELECT id, node, seq, record FROM audit_records WHERE id > ?");
        List<String> args = new ArrayList<>();
        filter(sql, args, "vault", q.vault());
        filter(sql, args, "actor", q.actor());
        filter(sql, args, "type", q.type());
        filter(sql, args, "action", q.action());
        sql.append(" ORDER BY id ").append(q.newestFirst() ? "DESC" : "ASC").append(" LIMIT ?");
        return run("query the audit table", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setLong(i++, q.sinceSeq());
                for (String a : args) {
                    ps.setString(i++, a);
                }
                ps.setInt(i, q.limit());
                List<Map<String, Object>> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> rec = parse(rs.getString(4).getBytes(StandardCharsets.UTF_8));
                        if (rec != null) {
                            out.add(view(rs.getLong(1), rs.getString(2), rs.getLong(3), rec));
                        }
                    }
                }
                return out;
            }
        });
    }

    /**
     * Deletes at most {@code max} records older than {@code cutoff} (retention; the cursors stay, so
     * nothing is shipped again); returns how many.
     */
    public int deleteOlderThan(Instant cutoff, int max) {
        return run("delete old audit records", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM audit_records WHERE ctid IN "
                    + "(SELECT ctid FROM audit_records WHERE ts < ? LIMIT ?)")) {
                ps.setLong(1, cutoff.toEpochMilli());
                ps.setInt(2, max);
                return ps.executeUpdate();
            }
        });
    }

    /** Receives one stored record line; returns false to stop. */
    @FunctionalInterface
    public interface RecordVisitor {
        boolean visit(byte[] line) throws java.io.IOException;
    }

    /**
     * Streams node {@code node}'s records with {@code seq >= fromSeq}, in seq order, to
     * {@code visitor} (rows fetched in batches of 1,000 through a cursor, so memory stays bounded
     * however many there are) until it returns false. Returns how many were visited.
     */
    public long forEachRecord(String node, long fromSeq, RecordVisitor visitor) {
        return run("read the audit records of node " + node, c -> {
            c.setAutoCommit(false); // pgjdbc streams with a fetch size only inside a transaction
            try (PreparedStatement ps = c.prepareStatement("SELECT record FROM audit_records WHERE node = ? AND seq >= ? ORDER BY seq")) {
                ps.setFetchSize(1000);
                ps.setString(1, node);
                ps.setLong(2, fromSeq);
                long n = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        n++;
                        if (!visitor.visit(rs.getString(1).getBytes(StandardCharsets.UTF_8))) {
                            break;
                        }
                    }
                }
                return n;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                c.rollback(); // read only
                c.setAutoCommit(true);
            }
        });
    }

    /** Each node's shipping cursor: node name to the last seq in the table. */
    public Map<String, Long> cursors() {
        return run("read the audit shipping cursors", c -> {
            Map<String, Long> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT node, seq FROM audit_ship_cursor ORDER BY node");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
            return out;
        });
    }

    private static void filter(StringBuilder sql, List<String> args, String column, @Nullable String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(value);
        }
    }

    /** The record as readers see it: cluster-wide {@code seq}, its own as {@code node_seq}, its node, no chain. */
    private static Map<String, Object> view(long id, String node, long nodeSeq, Map<String, Object> rec) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seq", id);
        for (Map.Entry<String, Object> e : rec.entrySet()) {
            switch (e.getKey()) {
                case "seq" -> out.put("node_seq", nodeSeq);
                case AuditChain.FIELD -> { }
                default -> out.put(e.getKey(), e.getValue());
            }
        }
        out.putIfAbsent("node", node);
        return out;
    }

    private @Nullable Map<String, Object> parse(byte[] line) {
        try {
            return mapper.readValue(line, MAP);
        } catch (JacksonException e) {
            return null;
        }
    }

    private <T> T run(String what, dev.keyway.store.jdbc.SqlWork<T> work) {
        try {
            return store.withConnection(work);
        } catch (SQLException e) {
            throw new StoreException("cannot " + what + " (SQLState " + e.getSQLState() + "): " + e.getMessage(), e);
        }
    }
}
