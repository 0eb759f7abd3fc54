package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The fetch policy of linked credentials, driven by a moved clock and a hand-run executor (a fetch
 * runs only when the test runs it), so nothing here sleeps or depends on timing.
 */
class LinkedValuesTest {
    static final Duration TTL = Duration.ofMinutes(5);
    final MutableClock clock = new MutableClock();
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final LinkedValues values = new LinkedValues(clock, tasks::add, () -> 0.0,
            (k, v, f) -> events.add(f == null ? "ok " + v : f.kind().name()), 3);
    final LinkedValues.Key key = new LinkedValues.Key("src", "ref");

    /** A source answering from a script of values and failures, counting fetches. */
    static final class Scripted implements SecretSource {
        final ArrayDeque<Object> script = new ArrayDeque<>();
        final AtomicInteger fetches = new AtomicInteger();

        Scripted then(Object o) {
            script.add(o);
            return this;
        }

        @Override
        public Fetched fetch(String ref) throws SourceFailure {
            fetches.incrementAndGet();
            Object next = script.isEmpty() ? new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "script ended") : script.poll();
            if (next instanceof SourceFailure f) {
                throw f;
            }
            return new Fetched(((String) next).getBytes(StandardCharsets.UTF_8), "v-" + next);
        }
    }

    void runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    static String text(LinkedValues.Lookup l) {
        assertThat(l).isInstanceOf(LinkedValues.Hit.class);
        return new String(((LinkedValues.Hit) l).value(), StandardCharsets.UTF_8);
    }

    LinkedValues.Lookup settle(LinkedValues.Lookup l) {
        assertThat(l).isInstanceOf(LinkedValues.Pending.class);
        runTasks();
        return ((LinkedValues.Pending) l).result().join();
    }

    @Test
    void firstUseFetchesThenServesFromMemoryUntilRefreshAheadThenRefreshesInBackground() {
        Scripted s = new Scripted().then("one").then("two");
        LinkedValues.Lookup first = settle(values.lookup(key, s, TTL, Duration.ZERO));
        assertThat(text(first)).isEqualTo("one");
        assertThat(((LinkedValues.Hit) first).cached()).isFalse();
        LinkedValues.Lookup second = values.lookup(key, s, TTL, Duration.ZERO);
        assertThat(text(second)).isEqualTo("one");
        assertThat(((LinkedValues.Hit) second).cached()).isTrue();
        assertThat(tasks).as("no fetch while fresh").isEmpty();

        clock.advance(Duration.ofMinutes(4)); // past 3/4 of the TTL: served, and a refresh starts in the background
        assertThat(text(values.lookup(key, s, TTL, Duration.ZERO))).isEqualTo("one");
        assertThat(tasks).hasSize(1);
        assertThat(text(values.lookup(key, s, TTL, Duration.ZERO))).as("one refresh in flight").isEqualTo("one");
        assertThat(tasks).hasSize(1);
        runTasks();
        assertThat(text(values.lookup(key, s, TTL, Duration.ZERO))).isEqualTo("two");
        assertThat(s.fetches).hasValue(2);
        assertThat(events).containsExactly("ok v-one", "ok v-two");
    }

    /** Re-authorizing an OAuth credential drops its old version's token and every run's narrowed token of it, nothing else. */
    @Test
    void invalidatingOneOAuthVersionDropsItsWideAndNarrowedTokensOnly() {
        LinkedValues.Key wide = new LinkedValues.Key("@oauth", "v1/GH@3");
        LinkedValues.Key narrowed = new LinkedValues.Key("@oauth", "v1/GH@3#abc");
        LinkedValues.Key newer = new LinkedValues.Key("@oauth", "v1/GH@31");
        for (LinkedValues.Key k : List.of(wide, narrowed, newer)) {
            assertThat(text(settle(values.lookup(k, new Scripted().then(k.ref()), TTL, Duration.ZERO)))).isEqualTo(k.ref());
        }
        values.invalidateIf(OAuthCredentials.ofVersion("v1", "GH", 3));
        assertThat(text(values.lookup(newer, new Scripted(), TTL, Duration.ZERO))).as("another version is kept").isEqualTo("v1/GH@31");
        assertThat(values.lookup(wide, new Scripted().then("again"), TTL, Duration.ZERO)).isInstanceOf(LinkedValues.Pending.class);
        assertThat(values.lookup(narrowed, new Scripted().then("again"), TTL, Duration.ZERO)).isInstanceOf(LinkedValues.Pending.class);
        tasks.clear();
    }

    @Test
    void concurrentColdLookupsShareOneFetch() throws Exception {
        Scripted s = new Scripted().then("only");
        List<LinkedValues.Lookup> waiting = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            waiting.add(values.lookup(key, s, TTL, Duration.ZERO));
        }
        assertThat(tasks).hasSize(1);
        runTasks();
        for (LinkedValues.Lookup l : waiting) {
            assertThat(text(((LinkedValues.Pending) l).result().join())).isEqualTo("only");
        }
        assertThat(s.fetches).hasValue(1);
    }

    @Test
    void realThreadsRacingOnAColdReferenceCauseOneFetch() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        SecretSource slow = ref -> {
            fetches.incrementAndGet();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Fetched("v".getBytes(StandardCharsets.UTF_8), "1");
        };
        try (ExecutorService fetchPool = Executors.newVirtualThreadPerTaskExecutor();
                ExecutorService callers = Executors.newFixedThreadPool(8)) {
            LinkedValues lv = new LinkedValues(clock, fetchPool, () -> 0.5, (k, v, f) -> { }, 16);
            List<java.util.concurrent.Future<LinkedValues.Lookup>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                fs.add(callers.submit(() -> lv.lookup(key, slow, TTL, Duration.ZERO)));
            }
            List<LinkedValues.Lookup> results = new ArrayList<>();
            for (var f : fs) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
            release.countDown();
            for (LinkedValues.Lookup l : results) {
                LinkedValues.Lookup done = l instanceof LinkedValues.Pending p ? p.result().get(30, TimeUnit.SECONDS) : l;
                assertThat(text(done)).isEqualTo("v");
            }
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void failureFailsClosedAndBacksOffHonouringRetryAfter() {
        Scripted s = new Scripted().then(new SourceFailure(SourceFailure.Kind.THROTTLED, "HTTP 429", Duration.ofSeconds(30)))
                .then("late");
        LinkedValues.Lookup l = settle(values.lookup(key, s, TTL, Duration.ZERO));
        assertThat(l).isInstanceOfSatisfying(LinkedValues.Failed.class,
                f -> assertThat(f.failure().kind()).isEqualTo(SourceFailure.Kind.THROTTLED));
        clock.advance(Duration.ofSeconds(29));
        assertThat(values.lookup(key, s, TTL, Duration.ZERO)).as("within retry-after: no new fetch")
                .isInstanceOf(LinkedValues.Failed.class);
        assertThat(tasks).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(text(settle(values.lookup(key, s, TTL, Duration.ZERO)))).isEqualTo("late");
        assertThat(s.fetches).hasValue(2);
    }

    @Test
    void maxStaleServesTheLastGoodValueWhileFailingThenFailsClosed() {
        Scripted s = new Scripted().then("good").then(new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "down"));
        Duration maxStale = Duration.ofMinutes(2);
        assertThat(text(settle(values.lookup(key, s, TTL, maxStale)))).isEqualTo("good");
        clock.advance(TTL.plusSeconds(10)); // past the TTL: a fetch is needed; it fails; the stale value is served
        LinkedValues.Lookup stale = settle(values.lookup(key, s, TTL, maxStale));
        assertThat(text(stale)).isEqualTo("good");
        assertThat(((LinkedValues.Hit) stale).stale()).isTrue();
        clock.advance(Duration.ofMillis(100)); // in backoff (500 ms after one failure, no jitter): stale, no fetch
        assertThat(text(values.lookup(key, s, TTL, maxStale))).isEqualTo("good");
        assertThat(tasks).isEmpty();
        clock.advance(Duration.ofMinutes(2)); // past TTL + max-stale: never served again
        LinkedValues.Lookup after = values.lookup(key, s, TTL, maxStale);
        LinkedValues.Lookup done = after instanceof LinkedValues.Pending ? settle(after) : after;
        assertThat(done).isInstanceOf(LinkedValues.Failed.class);
    }

    @Test
    void withoutMaxStaleAnExpiredValueIsNeverServed() {
        Scripted s = new Scripted().then("good").then(new SourceFailure(SourceFailure.Kind.AUTH, "403"));
        settle(values.lookup(key, s, TTL, Duration.ZERO));
        clock.advance(TTL);
        assertThat(settle(values.lookup(key, s, TTL, Duration.ZERO))).isInstanceOfSatisfying(LinkedValues.Failed.class,
                f -> assertThat(f.failure().kind()).isEqualTo(SourceFailure.Kind.AUTH));
    }

    @Test
    void boundedAndInvalidatedPerSource() {
        Scripted s = new Scripted().then("a").then("b").then("c").then("d");
        for (String ref : List.of("1", "2", "3")) {
            settle(values.lookup(new LinkedValues.Key("src", ref), s, TTL, Duration.ZERO));
            clock.advance(Duration.ofSeconds(1));
        }
        settle(values.lookup(new LinkedValues.Key("other", "4"), s, TTL, Duration.ZERO));
        assertThat(values.size()).isEqualTo(3);
        values.invalidate("src");
        assertThat(values.size()).isEqualTo(1);
    }
}
