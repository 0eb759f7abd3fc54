package dev.keyway.server.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.store.LimitRecord;
import dev.keyway.store.Store;
import dev.keyway.store.postgres.PostgresExtension;
import dev.keyway.store.postgres.PostgresStore;
import dev.keyway.store.postgres.PostgresUrl;
import dev.keyway.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cluster buckets: two nodes = two {@link Store}s on one database (SQLite file, real PostgreSQL),
 * each with its own {@link LeasedBuckets}. Leases run inline (a direct executor), so the test needs no
 * waiting; the clock is a {@link MutableClock}, so nothing refills unless the test says so. Whatever
 * the interleaving, the nodes together never grant more than the one shared bucket holds.
 */
class LeasedBucketsTest {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));

    interface Nodes {
        Store open();
    }

    private Nodes sqlite() {
        Path file = dir.resolve("keyway.db");
        return () -> SqliteStore.open(file, clock);
    }

    private Nodes postgres() {
        PostgresUrl url = PG.newDatabase();
        return () -> PostgresStore.open(url, clock, 4);
    }

    private static LimitRecord limit(Store s, long requests, Duration per) {
        String vault = s.createVault("v", new byte[] {1}, "test").id();
        return s.putLimit(new LimitRecord("", vault, null, null, null, null, new RateLimit(requests, per), Instant.EPOCH, "test"));
    }

    @Test
    void twoNodesOnSqliteGrantExactlyTheBucketUnderConcurrency() throws Exception {
        exactlyTheBucket(sqlite());
    }

    @Test
    void twoNodesOnPostgresGrantExactlyTheBucketUnderConcurrency() throws Exception {
        exactlyTheBucket(postgres());
    }

    private void exactlyTheBucket(Nodes nodes) throws Exception {
        try (Store a = nodes.open(); Store b = nodes.open()) {
            LimitRecord l = limit(a, 100, Duration.ofDays(31));
            LeasedBuckets na = new LeasedBuckets(a, Runnable::run, clock);
            LeasedBuckets nb = new LeasedBuckets(b, Runnable::run, clock);
            List<LeasedBuckets> both = List.of(na, nb);
            AtomicLong granted = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    LeasedBuckets node = both.get(t % 2);
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < 40; i++) {
                            if (node.take(l).granted()) {
                                granted.incrementAndGet();
                            }
                        }
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            // never more than the bucket, counting what the nodes leased and still hold; attempts that found
            // their node's pool empty while its lease was in flight were refused, so fewer may have gone through
            assertThat(granted.get() + na.held(l.id()) + nb.held(l.id())).isLessThanOrEqualTo(100);
            // take what is left, one request at a time (each lease runs inline): exactly the bucket in total
            long rest = 0;
            for (LeasedBuckets n : both) {
                while (n.take(l).granted()) {
                    rest++;
                }
            }
            assertThat(granted.get() + rest).isEqualTo(100);
            assertThat(a.leaseLimitTokens(l.id(), 1).orElseThrow().granted()).isZero();
        }
    }

    @Test
    void aRefillIsSharedByTheNodesNotMultiplied() {
        try (Store a = sqlite().open(); Store b = sqlite().open()) {
            // 10 per 10 s: one token a second; the batch is 1, so no node holds a spare token
            LimitRecord l = limit(a, 10, Duration.ofSeconds(10));
            LeasedBuckets na = new LeasedBuckets(a, Runnable::run, clock);
            LeasedBuckets nb = new LeasedBuckets(b, Runnable::run, clock);
            int granted = 0;
            for (int i = 0; i < 20; i++) {
                granted += (na.take(l).granted() ? 1 : 0) + (nb.take(l).granted() ? 1 : 0);
            }
            assertThat(granted).isEqualTo(10);
            Buckets.Take refused = na.take(l);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.waitMillis()).isEqualTo(1000);

            clock.advance(Duration.ofSeconds(1));
            int afterOneSecond = (na.take(l).granted() ? 1 : 0) + (nb.take(l).granted() ? 1 : 0)
                    + (na.take(l).granted() ? 1 : 0) + (nb.take(l).granted() ? 1 : 0);
            assertThat(afterOneSecond).isEqualTo(1);
        }
    }

    @Test
    void aNodeAsksTheDatabaseOncePerBatchNotPerRequest() {
        try (Store a = sqlite().open()) {
            LimitRecord l = limit(a, 1000, Duration.ofHours(1)); // batch 50
            AtomicLong leases = new AtomicLong();
            LeasedBuckets n = new LeasedBuckets(a, task -> {
                leases.incrementAndGet();
                task.run();
            }, clock);
            n.sync(List.of(l)); // leases the first batch ahead of the first request
            assertThat(leases.get()).isEqualTo(1);
            for (int i = 0; i < 100; i++) {
                assertThat(n.take(l).granted()).isTrue();
            }
            // refills at half a batch: 100 requests cost a few leases, not 100
            assertThat(leases.get()).isBetween(2L, 5L);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "19, 1", "20, 1", "40, 2", "100, 5", "1000, 50", "1000000, 50"})
    void batchIsATwentiethOfTheLimitBetweenOneAndFifty(long requests, long batch) {
        assertThat(LeasedBuckets.batch(new RateLimit(requests, Duration.ofMinutes(1)))).isEqualTo(batch);
    }
}
