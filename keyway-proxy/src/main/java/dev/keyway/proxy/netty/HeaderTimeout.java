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
    private final Duration timeout;
    private final Consumer<ChannelHandlerContext> onTimeout;
    private boolean awaiting = true;
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
        if (awaiting && timer == null && msg instanceof ByteBuf b && b.isReadable()) {
            timer = c.executor().schedule(() -> fire(c), timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        c.fireChannelRead(msg);
    }

    /** A complete request head was decoded: stop the clock until {@link #awaitNext}. */
    public void headReceived() {
        awaiting = false;
        cancel();
    }

    /** The next request may start: its first byte starts the clock again. */
    public void awaitNext() {
        awaiting = true;
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
        if (!awaiting || !c.channel().isActive()) {
            return;
        }
        onTimeout.accept(c);
    }
}
