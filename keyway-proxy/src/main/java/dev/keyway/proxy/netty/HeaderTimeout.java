package dev.keyway.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Slowloris guard: once the first byte of a request arrives, its headers must be complete within
 * {@code timeout}, else {@code onTimeout} runs (it answers 408 {@code request-timeout} and closes).
 * Sits before the HTTP codec (it sees raw bytes); the request handlers tell it when a head was
 * decoded ({@link #headReceived}) and when the next one may start ({@link #awaitNext}). Used by the
 * proxy and by the control-plane API, which differ only in what they write on timeout.
 */
public final class HeaderTimeout extends ChannelInboundHandlerAdapter {
    /** Where the clock of the current request head stands. */
    private enum Clock {
        /** Waiting for the first byte of the next head. */
        WAITING,
        /** A head has started and is not complete yet: the deadline applies. */
        RUNNING,
        /** The head was decoded; the next one may not start before {@link #awaitNext}. */
        STOPPED
    }

    private final Duration timeout;
    private final long timeoutNanos;
    private final Consumer<ChannelHandlerContext> onTimeout;
    private Clock clock = Clock.WAITING;
    private long startedAt;
    /**
     * The one pending check, kept across requests: a keep-alive connection's heads stop and start
     * the clock thousands of times a second, and scheduling and cancelling a task for each (two
     * priority-queue operations and a task object) was a measured per-request cost. A check that
     * finds a later head's clock running re-arms for that head's remaining time.
     */
    private @Nullable ScheduledFuture<?> timer;

    /**
     * @param onTimeout runs on the channel's event loop when a head is late and the channel is still
     *     open; it must answer and close the channel
     */
    public HeaderTimeout(Duration timeout, Consumer<ChannelHandlerContext> onTimeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("header timeout must be positive: " + timeout);
        }
        this.timeout = timeout;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeout.toMillis());
        this.onTimeout = Objects.requireNonNull(onTimeout);
    }

    /** Finds the guard on a pipeline, if any. */
    public static @Nullable HeaderTimeout of(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(HeaderTimeout.class);
    }

    public Duration timeout() {
        return timeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (clock == Clock.WAITING && msg instanceof ByteBuf b && b.isReadable()) {
            clock = Clock.RUNNING;
            startedAt = c.executor().ticker().nanoTime();
            if (timer == null) {
                arm(c, timeoutNanos);
            }
        }
        c.fireChannelRead(msg);
    }

    private void arm(ChannelHandlerContext c, long delayNanos) {
        timer = c.executor().schedule(() -> fire(c), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** A complete request head was decoded: stop the clock until {@link #awaitNext}. */
    public void headReceived() {
        clock = Clock.STOPPED;
    }

    /** The next request may start: its first byte starts the clock again. */
    public void awaitNext() {
        if (clock == Clock.STOPPED) {
            clock = Clock.WAITING;
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext c) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        cancel();
        c.fireChannelInactive();
    }

    private void fire(ChannelHandlerContext c) {
        timer = null;
        if (clock != Clock.RUNNING || !c.channel().isActive()) {
            return; // the next head that starts arms a new check
        }
        long left = timeoutNanos - (c.executor().ticker().nanoTime() - startedAt);
        if (left > 0) {
            arm(c, left); // this check was armed for an earlier head
            return;
        }
        onTimeout.accept(c);
    }
}
