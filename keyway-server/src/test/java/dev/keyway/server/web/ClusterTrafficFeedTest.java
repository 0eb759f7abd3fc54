package dev.keyway.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.auth.Principal;
import dev.keyway.server.cluster.ClusterAudit;
import dev.keyway.server.http.EventStream;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.audit.AuditQuery;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's live traffic stream on a cluster node shows the other nodes' requests: two nodes'
 * audit logs ship into one real PostgreSQL, node A's feed streams a request recorded on node B
 * (lazily written, so the shipper must force it first), with B's name and a cluster-wide id.
 */
class ClusterTrafficFeedTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    Path dir;

    @Test
    void nodeAsLiveStreamShowsARequestRecordedOnNodeB() throws Exception {
        Clock clock = Clock.systemUTC();
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        try (PostgresStore store = PostgresStore.open(PG.newDatabase(), clock, 4);
                AuditLog logA = AuditLog.open(dir.resolve("a/audit.jsonl"));
                AuditLog logB = AuditLog.open(dir.resolve("b/audit.jsonl"));
                ClusterAudit a = ClusterAudit.start(store, logA, "node-a", Duration.ZERO, clock);
                ClusterAudit b = ClusterAudit.start(store, logB, "node-b", Duration.ZERO, clock)) {
            TrafficFeed feed = new TrafficFeed(a, () -> null);
            Principal owner = new Principal("t1", "user:owner@example.com", "session", "u1", true, Map.of(), null, null, true);
            LinkedBlockingQueue<String> chunks = new LinkedBlockingQueue<>();
            AtomicBoolean open = new AtomicBoolean(true);
            EventStream stream = feed.stream(() -> owner, new TrafficFeed.Filter(null, null, null, null, null), a.lastSeq());
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    stream.run(new EventStream.Sink() {
                        @Override
                        public boolean send(String chunk) {
                            chunks.add(chunk);
                            return open.get();
                        }

                        @Override
                        public boolean open() {
                            return open.get();
                        }
                    });
                } catch (Exception e) {
                    chunks.add("failed: " + e);
                }
            });
            try {
                logB.append(Map.of("type", "request", "vault", "default", "host", "api.node-b.example", "status", 200), false);
                String event = null;
                List<String> seen = new java.util.ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (event == null && System.nanoTime() < deadline) {
                    String c = chunks.poll(100, TimeUnit.MILLISECONDS);
                    if (c != null) {
                        seen.add(c);
                    }
                    if (c != null && c.contains("api.node-b.example")) {
                        event = c;
                    }
                }
                assertThat(event).as("node B's request on node A's live stream; chunks: %s; table: %s", seen,
                        a.query(AuditQuery.latest(10))).isNotNull();
                assertThat(event).startsWith("id: 1\nevent: traffic\n").contains("\"node\":\"node-b\"").contains("\"node_seq\":1")
                        .doesNotContain("\"chain\"");
            } finally {
                open.set(false);
                t.join(Duration.ofSeconds(10));
            }
            logA.append(Map.of("type", "control", "action", "vault.create", "vault", "v2"), true).get(10, TimeUnit.SECONDS);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<Map<String, Object>> all = b.query(AuditQuery.latest(10));
            while (all.size() < 2 && System.nanoTime() < until) {
                Thread.sleep(50);
                all = b.query(AuditQuery.latest(10));
            }
            assertThat(all).extracting(r -> r.get("node")).containsExactly("node-a", "node-b");
        }
    }
}
