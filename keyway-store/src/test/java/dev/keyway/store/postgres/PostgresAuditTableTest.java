package dev.keyway.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.store.audit.AuditChain;
import dev.keyway.store.audit.AuditLine;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditQuery;
import dev.keyway.store.audit.AuditRotation;
import dev.keyway.store.audit.AuditShipper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The cluster audit table on a real PostgreSQL: idempotent shipping, cluster-wide ids, queries, retention. */
class PostgresAuditTableTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    Path dir;

    private static AuditLine line(long seq, String ts, String type, String vault) {
        String json = "{\"seq\":" + seq + ",\"ts\":\"" + ts + "\",\"type\":\"" + type + "\",\"vault\":\"" + vault
                + "\",\"chain\":\"" + "ab".repeat(32) + "\"}";
        return new AuditLine(seq, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shippingIsIdempotentAndMovesTheCursorWithTheRecords() {
        try (PostgresStore store = PostgresStore.open(PG.newDatabase(), Clock.systemUTC(), 2)) {
            PostgresAuditTable t = new PostgresAuditTable(store, Clock.systemUTC());
            assertThat(t.shipped("a")).isZero();
            t.ship("a", List.of(line(1, "2026-01-01T00:00:00Z", "decision", "v"), line(2, "2026-01-01T00:00:01Z", "request", "v")));
            assertThat(t.shipped("a")).isEqualTo(2);
            // a retry after a lost acknowledgement re-offers 2: kept once, unchanged
            t.ship("a", List.of(line(2, "2026-01-01T00:00:01Z", "changed", "v"), line(3, "2026-01-01T00:00:02Z", "request", "v")));
            assertThat(t.shipped("a")).isEqualTo(3);
            List<Map<String, Object>> all = t.query(AuditQuery.after(0, 100));
            assertThat(all).extracting(r -> r.get("node_seq")).containsExactly(1L, 2L, 3L);
            assertThat(all.get(1)).containsEntry("type", "request").containsEntry("node", "a").doesNotContainKey("chain");
            assertThat(new String(t.stored("a", 2), StandardCharsets.UTF_8)).contains("\"type\":\"request\"").contains("\"chain\":");
            assertThat(t.stored("a", 9)).isNull();
            // the cursor never moves back
            t.ship("a", List.of(line(1, "2026-01-01T00:00:00Z", "decision", "v")));
            assertThat(t.shipped("a")).isEqualTo(3);
        }
    }

    @Test
    void queriesSeeEveryNodeInArrivalOrderWithFiltersAndPaging() {
        try (PostgresStore store = PostgresStore.open(PG.newDatabase(), Clock.systemUTC(), 2)) {
            PostgresAuditTable t = new PostgresAuditTable(store, Clock.systemUTC());
            t.ship("a", List.of(line(1, "2026-01-01T00:00:00Z", "decision", "v1"), line(2, "2026-01-01T00:00:00Z", "request", "v1")));
            t.ship("b", List.of(line(1, "2026-01-01T00:00:00Z", "request", "v2")));
            t.ship("a", List.of(line(3, "2026-01-01T00:00:00Z", "control", "v2")));
            List<Map<String, Object>> newest = t.query(AuditQuery.latest(10));
            assertThat(newest).extracting(r -> r.get("node") + "/" + r.get("node_seq")).containsExactly("a/3", "b/1", "a/2", "a/1");
            assertThat(newest).extracting(r -> r.get("seq")).containsExactly(4L, 3L, 2L, 1L);
            assertThat(t.lastId()).isEqualTo(4);
            assertThat(t.query(new AuditQuery("v2", null, null, 0, 10, false))).extracting(r -> r.get("node")).containsExactly("b", "a");
            assertThat(t.query(new AuditQuery(null, null, "request", 0, 10, false))).hasSize(2);
            assertThat(t.query(AuditQuery.after(2, 10))).extracting(r -> r.get("seq")).containsExactly(3L, 4L);
            assertThat(t.query(AuditQuery.after(0, 1))).hasSize(1);
        }
    }

    @Test
    void concurrentShippersGetDistinctIdsInEachNodesOrder() throws Exception {
        try (PostgresStore store = PostgresStore.open(PG.newDatabase(), Clock.systemUTC(), 6)) {
            PostgresAuditTable t = new PostgresAuditTable(store, Clock.systemUTC());
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (String node : List.of("a", "b", "c")) {
                all.add(CompletableFuture.runAsync(() -> {
                    for (int b = 0; b < 20; b++) {
                        List<AuditLine> batch = new ArrayList<>();
                        for (int i = 1; i <= 10; i++) {
                            batch.add(line(b * 10L + i, "2026-01-01T00:00:00Z", "request", "v"));
                        }
                        t.ship(node, batch);
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (long after = 0; ; ) {
                List<Map<String, Object>> page = t.query(AuditQuery.after(after, 1000));
                if (page.isEmpty()) {
                    break;
                }
                rows.addAll(page);
                after = (Long) page.getLast().get("seq");
            }
            assertThat(rows).hasSize(600);
            assertThat(rows.stream().map(r -> r.get("seq")).distinct().count()).isEqualTo(600);
            for (String node : List.of("a", "b", "c")) {
                List<Object> seqs = rows.stream().filter(r -> node.equals(r.get("node"))).map(r -> r.get("node_seq")).toList();
                assertThat(seqs).as("node %s in id order", node).isSortedAccordingTo((x, y) -> Long.compare((Long) x, (Long) y))
                        .hasSize(200);
            }
        }
    }

    @Test
    void retentionDeletesByAgeInBoundedBatchesAndKeepsTheCursor() {
        try (PostgresStore store = PostgresStore.open(PG.newDatabase(), Clock.systemUTC(), 2)) {
            PostgresAuditTable t = new PostgresAuditTable(store, Clock.systemUTC());
            List<AuditLine> lines = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                lines.add(line(i, "2025-01-0" + i + "T00:00:00Z", "request", "v"));
            }
            lines.add(line(6, "2026-06-01T00:00:00Z", "request", "v"));
            t.ship("a", lines);
            Instant cutoff = Instant.parse("2026-01-01T00:00:00Z");
            assertThat(t.deleteOlderThan(cutoff, 3)).isEqualTo(3);
            assertThat(t.deleteOlderThan(cutoff, 3)).isEqualTo(2);
            assertThat(t.deleteOlderThan(cutoff, 3)).isZero();
            assertThat(t.query(AuditQuery.after(0, 10))).extracting(r -> r.get("node_seq")).containsExactly(6L);
            assertThat(t.shipped("a")).isEqualTo(6);
            assertThat(t.cursors()).containsEntry("a", 6L);
        }
    }

    @Test
    void aRealLogShippedByTheShipperArrivesByteForByte() throws Exception {
        try (PostgresStore store = PostgresStore.open(PG.newDatabase(), Clock.systemUTC(), 2);
                AuditLog log = AuditLog.open(dir.resolve("audit.jsonl"), AuditRotation.DEFAULT, AuditChain.of(new byte[32]))) {
            PostgresAuditTable t = new PostgresAuditTable(store, Clock.systemUTC());
            for (int i = 0; i < 30; i++) {
                log.append(Map.of("type", "decision", "path", "/p/" + i, "note", "ünïcode ✓"), i % 3 == 0).get(10, TimeUnit.SECONDS);
            }
            AuditShipper shipper = new AuditShipper(log, t, "n1", Clock.systemUTC());
            assertThat(shipper.step()).isIn(AuditShipper.Turn.CAUGHT_UP);
            assertThat(shipper.step()).isEqualTo(AuditShipper.Turn.CAUGHT_UP);
            assertThat(t.shipped("n1")).isEqualTo(30);
            List<String> file = Files.readAllLines(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8);
            for (int i = 0; i < 30; i++) {
                assertThat(new String(t.stored("n1", i + 1), StandardCharsets.UTF_8)).isEqualTo(file.get(i));
            }
        }
    }
}
