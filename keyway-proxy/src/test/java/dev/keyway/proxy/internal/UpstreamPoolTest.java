package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive pool's idle clock on an embedded loop whose time only moves when the test says
 * so: an idle connection closes after the idle timeout counted from its last release, a reused one
 * does not, and reusing a connection does not leave a timer behind per request.
 */
class UpstreamPoolTest {
    private static final UpstreamPool.Key KEY = new UpstreamPool.Key(true, "api.test", 443, false);
    private final UpstreamPool pool = new UpstreamPool(4, Duration.ofSeconds(60));
    private final EmbeddedChannel ch = new EmbeddedChannel(new UpstreamHandler());

    {
        ch.freezeTime();
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private void advance(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void anIdleConnectionClosesAfterTheIdleTimeout() {
        pool.release(KEY, ch);
        advance(59);
        assertThat(ch.isOpen()).isTrue();
        advance(1);
        assertThat(ch.isOpen()).isFalse();
        assertThat(pool.acquire(ch.eventLoop(), KEY)).isNull();
        assertThat(pool.pendingIdleChecks(ch.eventLoop())).isZero();
    }

    @Test
    void theTimeoutCountsFromTheLastRelease() {
        pool.release(KEY, ch);
        advance(50);
        assertThat(pool.acquire(ch.eventLoop(), KEY)).isSameAs(ch);
        pool.release(KEY, ch); // reused at 50 s, idle again
        advance(30); // 80 s after the first release, 30 s after the last
        assertThat(ch.isOpen()).isTrue();
        assertThat(pool.acquire(ch.eventLoop(), KEY)).isSameAs(ch);
        pool.release(KEY, ch);
        advance(59);
        assertThat(ch.isOpen()).isTrue();
        advance(1);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void anAcquiredConnectionIsNotClosedByTheIdleClock() {
        pool.release(KEY, ch);
        assertThat(pool.acquire(ch.eventLoop(), KEY)).isSameAs(ch);
        advance(120); // a long exchange: the response timeout is the exchange's business, not the pool's
        assertThat(ch.isOpen()).isTrue();
        assertThat(pool.pendingIdleChecks(ch.eventLoop())).isZero();
        pool.release(KEY, ch);
        advance(60);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void reuseLeavesAtMostOneIdleCheckPerConnection() {
        for (int i = 0; i < 1000; i++) {
            pool.release(KEY, ch);
            assertThat(pool.acquire(ch.eventLoop(), new UpstreamPool.Key(true, "api.test", 443, false))).isSameAs(ch);
        }
        pool.release(KEY, ch);
        assertThat(pool.pendingIdleChecks(ch.eventLoop())).isEqualTo(1);
        advance(60);
        assertThat(ch.isOpen()).isFalse();
        assertThat(pool.pendingIdleChecks(ch.eventLoop())).isZero();
    }

    @Test
    void aConnectionClosedWhileIdleLeavesThePool() {
        pool.release(KEY, ch);
        ch.close();
        assertThat(pool.acquire(ch.eventLoop(), KEY)).isNull();
    }
}
