package dev.keyway.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The slowloris clock on an embedded channel whose time only moves when the test says so: a head
 * that takes longer than the timeout from its first byte times out, one that completes in time does
 * not, each head gets its full timeout however many came before it on the connection, and a
 * connection that serves many requests never has more than one check pending.
 */
class HeaderTimeoutTest {
    private final List<ChannelHandlerContext> timedOut = new ArrayList<>();
    private final HeaderTimeout guard = new HeaderTimeout(Duration.ofSeconds(10), timedOut::add);
    private final EmbeddedChannel ch = new EmbeddedChannel(guard);

    {
        ch.freezeTime();
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private void bytes() {
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));
    }

    private void advance(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void aLateHeadTimesOutTenSecondsAfterItsFirstByte() {
        advance(30); // an idle connection before any byte is not this guard's business
        assertThat(timedOut).isEmpty();
        bytes();
        advance(9);
        bytes();
        assertThat(timedOut).isEmpty();
        advance(1);
        assertThat(timedOut).hasSize(1);
    }

    @Test
    void aHeadThatCompletesInTimeDoesNotTimeOut() {
        bytes();
        advance(5);
        guard.headReceived();
        advance(60); // a long response: the clock is stopped
        assertThat(timedOut).isEmpty();
    }

    @Test
    void eachHeadGetsItsFullTimeoutAfterEarlierOnes() {
        bytes();
        advance(8);
        guard.headReceived();
        guard.awaitNext();
        advance(1);
        bytes(); // the second head starts at 9 s, while the first head's check is still pending
        advance(9); // 18 s: the first check fired at 10 s and re-armed for the second head
        assertThat(timedOut).isEmpty();
        advance(1); // 19 s: 10 s after the second head's first byte
        assertThat(timedOut).hasSize(1);
    }

    @Test
    void bytesBeforeAwaitNextDoNotStartTheClock() {
        bytes();
        guard.headReceived();
        bytes(); // a body, or a pipelined request the handler has not asked for yet
        advance(30);
        assertThat(timedOut).isEmpty();
        guard.awaitNext();
        bytes();
        advance(10);
        assertThat(timedOut).hasSize(1);
    }

    @Test
    void manyRequestsLeaveOnePendingCheck() {
        for (int i = 0; i < 1000; i++) {
            bytes();
            guard.headReceived();
            guard.awaitNext();
        }
        // one check at most: the next scheduled task is the one armed by the first request
        assertThat(ch.runScheduledPendingTasks()).isEqualTo(TimeUnit.SECONDS.toNanos(10));
        advance(10); // it finds the clock waiting for a next head and does not re-arm
        assertThat(ch.runScheduledPendingTasks()).isEqualTo(-1);
        assertThat(timedOut).isEmpty();
    }
}
