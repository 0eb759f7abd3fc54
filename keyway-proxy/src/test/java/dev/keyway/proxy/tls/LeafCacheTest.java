package dev.keyway.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.proxy.spi.LeafCertificateSource.Leaf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeafCacheTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock(CertificateAuthorityTest.NOW);
    private final CertificateAuthority ca = CertificateAuthority.generate("cache-test", clock);
    private final LeafMinter minter = new LeafMinter(ca, clock);

    @Test
    void concurrentRequestsForOneHostShareOneMintOffTheCallerThread() throws Exception {
        CountDownLatch callersDone = new CountDownLatch(50);
        CountDownLatch releaseMint = new CountDownLatch(1);
        Set<Thread> mintThreads = ConcurrentHashMap.newKeySet();
        LeafCache.Minter slow = host -> {
            mintThreads.add(Thread.currentThread());
            await(releaseMint);
            return minter.mint(host);
        };
        LeafCache cache = new LeafCache(slow, clock, 16, virtualThreads());
        List<CompletableFuture<Leaf>> futures = new ArrayList<>();
        Set<Thread> callerThreads = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService callers = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 50; i++) {
                String spelling = i % 2 == 0 ? "api.example.com" : "API.example.com.";
                futures.add(CompletableFuture.supplyAsync(() -> {
                            await(start);
                            callerThreads.add(Thread.currentThread());
                            CompletableFuture<Leaf> f = cache.leafFor(spelling);
                            callersDone.countDown();
                            return f;
                        }, callers)
                        .thenCompose(f -> f));
            }
            start.countDown();
            assertThat(callersDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            releaseMint.countDown();
            Set<Leaf> leaves = ConcurrentHashMap.newKeySet();
            for (CompletableFuture<Leaf> f : futures) {
                leaves.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            assertThat(leaves).hasSize(1);
        }
        assertThat(cache.mints()).isEqualTo(1);
        assertThat(cache.coalesced() + cache.hits()).isEqualTo(49);
        assertThat(mintThreads).singleElement().satisfies(t -> {
            assertThat(t.isVirtual()).isTrue();
            assertThat(callerThreads).doesNotContain(t);
        });
        // later requests are plain hits
        assertThat(cache.leafFor("api.example.com")).isCompleted();
        assertThat(cache.mints()).isEqualTo(1);
    }

    @Test
    void defaultConstructorMintsOnAVirtualThread() throws Exception {
        LeafCache cache = new LeafCache(minter);
        Leaf leaf = cache.leafFor("example.com").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(leaf.chain().getFirst().getSubjectX500Principal().getName()).isEqualTo("CN=example.com");
        assertThat(cache.leafFor("EXAMPLE.com").get()).isSameAs(leaf);
        assertThat(cache.mints()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void evictsLeastRecentlyUsedBeyondTheBound() throws Exception {
        LeafCache cache = new LeafCache(minter::mint, clock, 3, virtualThreads());
        Leaf a = get(cache, "a.example");
        get(cache, "b.example");
        get(cache, "c.example");
        assertThat(get(cache, "a.example")).isSameAs(a); // a is now most recently used
        get(cache, "d.example"); // evicts b
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.mints()).isEqualTo(4);
        assertThat(get(cache, "a.example")).isSameAs(a);
        assertThat(cache.mints()).isEqualTo(4);
        get(cache, "b.example");
        assertThat(cache.mints()).isEqualTo(5);
        assertThat(cache.size()).isEqualTo(3);
    }

    @Test
    void remintsWhenLessThanFiveMinutesOfValidityRemain() throws Exception {
        LeafCache cache = new LeafCache(minter::mint, clock, 16, virtualThreads());
        Leaf first = get(cache, "example.com");
        clock.advance(Duration.ofHours(23).plusMinutes(54)); // 6 minutes left
        assertThat(get(cache, "example.com")).isSameAs(first);
        clock.advance(Duration.ofMinutes(2)); // 4 minutes left
        Leaf second = get(cache, "example.com");
        assertThat(second).isNotSameAs(first);
        assertThat(second.chain().getFirst().getNotAfter()).isAfter(first.chain().getFirst().getNotAfter());
        assertThat(cache.mints()).isEqualTo(2);
        assertThat(get(cache, "example.com")).isSameAs(second);
    }

    @Test
    void failedMintIsReportedAndNotCached() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        LeafCache.Minter flaky = host -> {
            if (calls.getAndIncrement() == 0) {
                throw new IllegalStateException("HSM unavailable");
            }
            return minter.mint(host);
        };
        LeafCache cache = new LeafCache(flaky, clock, 16, virtualThreads());
        assertThatThrownBy(() -> get(cache, "example.com"))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .hasMessage("HSM unavailable");
        assertThat(cache.size()).isZero();
        assertThat(get(cache, "example.com")).isNotNull();
        assertThat(cache.mints()).isEqualTo(2);
        assertThat(cache.failures()).isEqualTo(1);
    }

    @Test
    void invalidHostFailsWithoutMinting() {
        LeafCache cache = new LeafCache(minter::mint, clock, 16, virtualThreads());
        assertThat(cache.leafFor("bad host")).isCompletedExceptionally();
        assertThatThrownBy(() -> get(cache, "bad host")).cause().isInstanceOf(KeywayException.class);
        assertThat(cache.mints()).isZero();
    }

    @Test
    void rejectedExecutionFailsAndDoesNotLeaveAStuckMint() {
        Executor rejecting = task -> {
            throw new RejectedExecutionException("shutting down");
        };
        LeafCache cache = new LeafCache(minter::mint, clock, 16, rejecting);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> get(cache, "example.com")).cause().isInstanceOf(RejectedExecutionException.class);
        }
    }

    @Test
    void callersCannotCompleteTheSharedFuture() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LeafCache cache = new LeafCache(host -> {
                    await(release);
                    return minter.mint(host);
                }, clock, 16, virtualThreads());
        CompletableFuture<Leaf> first = cache.leafFor("example.com");
        first.cancel(true);
        CompletableFuture<Leaf> second = cache.leafFor("example.com");
        release.countDown();
        assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(cache.mints()).isEqualTo(1);
    }

    @Test
    void rejectsNonPositiveBound() {
        assertThatThrownBy(() -> new LeafCache(minter::mint, clock, 0, virtualThreads()))
                .hasMessage("invalid maxEntries: 0");
    }

    private static Leaf get(LeafCache cache, String host) throws Exception {
        return cache.leafFor(host).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Executor virtualThreads() {
        return task -> Thread.ofVirtual().start(task);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
