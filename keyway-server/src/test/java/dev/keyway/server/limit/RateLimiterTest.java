package dev.keyway.server.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.limit.RateLimit;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.store.LimitRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimiterTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));

    static LimitRecord limit(String id, @Nullable String service, @Nullable String agent, @Nullable String token,
            @Nullable String credential, long requests, Duration per) {
        return new LimitRecord(id, "vlt_1", service, agent, token, credential, new RateLimit(requests, per), Instant.EPOCH, "t");
    }

    /** Which narrowing counts a request of service {@code github} by agent {@code agt_1} with token {@code tok_1} injecting GH. */
    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            // service, agent, token, credential, counts
            "-, -, -, -, true",
            "github, -, -, -, true",
            "openai, -, -, -, false",
            "-, agt_1, -, -, true",
            "-, agt_2, -, -, false",
            "-, -, tok_1, -, true",
            "-, -, tok_2, -, false",
            "-, -, -, GH, true",
            "-, -, -, OPENAI, false",
            "github, agt_1, -, GH, true",
            "github, agt_1, -, OPENAI, false",
    })
    void scopeTable(@Nullable String service, @Nullable String agent, @Nullable String token, @Nullable String credential,
            boolean counts) {
        RequestScope scope = new RequestScope("github", "agt_1", "tok_1", Set.of("GH"));
        assertThat(scope.counts(limit("l", service, agent, token, credential, 1, Duration.ofSeconds(1)))).isEqualTo(counts);
    }

    @Test
    void aRequestWithoutServiceOrAgentIsCountedOnlyByLimitsThatDoNotNarrowOnThem() {
        RequestScope scope = new RequestScope(null, null, "tok_1", Set.of());
        assertThat(scope.counts(limit("l", null, null, null, null, 1, Duration.ofSeconds(1)))).isTrue();
        assertThat(scope.counts(limit("l", "github", null, null, null, 1, Duration.ofSeconds(1)))).isFalse();
        assertThat(scope.counts(limit("l", null, "agt_1", null, null, 1, Duration.ofSeconds(1)))).isFalse();
    }

    @Test
    void theTightestLimitWinsAndARefusedRequestCostsTheOthersNothing() {
        RateLimiter limiter = new RateLimiter(new LocalBuckets(clock));
        LimitRecord loose = limit("loose", null, null, null, null, 10, Duration.ofMinutes(1));
        LimitRecord tight = limit("tight", "github", null, null, null, 2, Duration.ofMinutes(1));
        List<LimitRecord> both = List.of(loose, tight);
        assertThat(limiter.check(both).allowed()).isTrue();
        assertThat(limiter.check(both).allowed()).isTrue();
        RateLimiter.Verdict v = limiter.check(both);
        assertThat(v.limited()).isEqualTo(tight);
        assertThat(v.retryAfterSeconds()).isEqualTo(30);
        // the refused requests gave their token from "loose" back: 8 remain for requests "tight" does not count
        int looseOnly = 0;
        while (limiter.check(List.of(loose)).allowed()) {
            looseOnly++;
        }
        assertThat(looseOnly).isEqualTo(8);
    }

    @Test
    void exactlyNOfMUnderSixteenThreadsOnOneNode() throws Exception {
        RateLimiter limiter = new RateLimiter(new LocalBuckets(clock));
        LimitRecord l = limit("l", null, null, null, null, 1000, Duration.ofHours(1));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                fs.add(pool.submit(() -> {
                    go.await();
                    int n = 0;
                    for (int i = 0; i < 250; i++) {
                        n += limiter.check(List.of(l)).allowed() ? 1 : 0;
                    }
                    return n;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : fs) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(1000);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void changingTheRateStartsAFullBucketAndRemovedLimitsAreDropped() {
        LocalBuckets buckets = new LocalBuckets(clock);
        LimitRecord one = limit("l", null, null, null, null, 1, Duration.ofHours(1));
        assertThat(buckets.take(one).granted()).isTrue();
        assertThat(buckets.take(one).granted()).isFalse();
        LimitRecord two = limit("l", null, null, null, null, 2, Duration.ofHours(1));
        assertThat(buckets.take(two).granted()).isTrue();
        assertThat(buckets.take(two).granted()).isTrue();
        assertThat(buckets.take(two).granted()).isFalse();
        buckets.sync(List.of());
        assertThat(buckets.take(two).granted()).isTrue(); // a limit set again later starts full
    }
}
