package dev.keyway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    /**
     * One take from a bucket described in tokens: {@code requests} per {@code perMs}; the bucket held
     * {@code levelUnits} units at t=0; at {@code now} we ask for {@code want} tokens.
     */
    @ParameterizedTest(name = "{0}/{1}ms level={2} now={3} want={4} -> granted={5} wait={6} level={7}")
    @CsvSource({
            // requests, perMs, levelUnits, now, want, granted, waitMs, levelAfter
            // a full bucket of 10/s (unit: a token is 1000 units) serves a burst of 10, not 11
            "10, 1000, 10000, 0, 1, 1, 0, 9000",
            "10, 1000, 10000, 0, 10, 10, 0, 0",
            "10, 1000, 10000, 0, 11, 10, 100, 0",
            // empty: one token refills every 100 ms
            "10, 1000, 0, 0, 1, 0, 100, 0",
            "10, 1000, 0, 99, 1, 0, 1, 990",
            "10, 1000, 0, 100, 1, 1, 0, 0",
            "10, 1000, 0, 250, 3, 2, 50, 500",
            // refill never exceeds the capacity, however long the bucket sat
            "10, 1000, 0, 5000, 20, 10, 100, 0",
            "10, 1000, 9999, 1, 1, 1, 0, 9000",
            // a slow rate: 1 per day; 1 ms later the bucket has gained exactly 1 unit of 86,400,000
            "1, 86400000, 0, 1, 1, 0, 86399999, 1",
            "1, 86400000, 86399999, 1, 1, 1, 0, 0",
            // the largest rate: 1e6 per 31 days, no overflow
            "1000000, 2678400000, 0, 2678399999, 1, 1, 0, 2678397320600000",
            // want 0 is a pure refill
            "5, 1000, 0, 400, 0, 0, 0, 2000",
    })
    void takeTable(long requests, long perMs, long level, long now, long want, long granted, long wait, long levelAfter) {
        RateLimit l = new RateLimit(requests, Duration.ofMillis(perMs));
        TokenBucket.Take t = TokenBucket.take(l, new TokenBucket.State(level, 0), now, want);
        assertThat(t.granted()).isEqualTo(granted);
        assertThat(t.waitMillis()).isEqualTo(wait);
        assertThat(t.state().level()).isEqualTo(levelAfter);
        assertThat(t.state().atMillis()).isEqualTo(now);
    }

    @Test
    void manySmallRefillsAddUpExactly() {
        RateLimit l = new RateLimit(1, Duration.ofSeconds(3)); // one token per 3000 ms
        TokenBucket.State s = new TokenBucket.State(0, 0);
        for (long t = 1; t < 3000; t++) {
            TokenBucket.Take take = TokenBucket.take(l, s, t, 1);
            assertThat(take.granted()).as("t=%d", t).isZero();
            assertThat(take.waitMillis()).isEqualTo(3000 - t);
            s = take.state();
        }
        assertThat(TokenBucket.take(l, s, 3000, 1).granted()).isEqualTo(1);
    }

    @Test
    void aClockSteppingBackRefillsNothing() {
        RateLimit l = new RateLimit(10, Duration.ofSeconds(1));
        TokenBucket.State s = new TokenBucket.State(0, 1000);
        TokenBucket.Take t = TokenBucket.take(l, s, 500, 1);
        assertThat(t.granted()).isZero();
        assertThat(t.state()).isEqualTo(s);
    }

    @ParameterizedTest
    @CsvSource({
            // level, giveBack tokens -> level after (10 per 1000 ms: capacity 10000)
            "0, 1, 1000",
            "9500, 1, 10000",
            "0, 50, 10000",
            "0, 0, 0",
            "0, -3, 0",
    })
    void giveBackIsCappedAtCapacity(long level, long tokens, long after) {
        RateLimit l = new RateLimit(10, Duration.ofSeconds(1));
        assertThat(TokenBucket.giveBack(l, new TokenBucket.State(level, 7), tokens)).isEqualTo(new TokenBucket.State(after, 7));
    }

    @ParameterizedTest
    @CsvSource({"0, 1", "1, 1", "999, 1", "1000, 1", "1001, 2", "59999, 60", "60000, 60"})
    void retryAfterRoundsUpToWholeSecondsAtLeastOne(long waitMs, long seconds) {
        assertThat(TokenBucket.retryAfterSeconds(waitMs)).isEqualTo(seconds);
    }

    @Test
    void capacityIsRequestsTimesTheWindowInMilliseconds() {
        assertThat(new RateLimit(3, Duration.ofSeconds(2)).capacity()).isEqualTo(6000);
    }

    @ParameterizedTest
    @CsvSource({"0, 1000", "1000001, 1000", "1, 999", "1, 2678400001", "1, 1500"})
    void rateLimitBounds(long requests, long perMs) {
        assertThatThrownBy(() -> new RateLimit(requests, Duration.ofMillis(perMs))).isInstanceOf(KeywayException.class);
    }
}
