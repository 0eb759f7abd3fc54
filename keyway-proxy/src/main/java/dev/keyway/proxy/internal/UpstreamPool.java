package dev.keyway.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Idle keep-alive HTTP/1.1 upstream connections, kept per event loop so that a connection is only
 * ever used by exchanges on its own loop (no locks, no cross-thread handlers). Each key holds at most
 * {@code maxIdle} connections; an idle connection is closed after {@code idleTimeout} or when the
 * upstream closes it or sends anything unsolicited.
 *
 * <p>Connections were dialed to an address vetted at connect time, so reusing one never bypasses
 * the SSRF guard.
 */
final class UpstreamPool {
    /**
     * What a connection can be reused for.
     *
     * @param tls https (true) or plain http
     * @param offerH2 whether ALPN offered h2 when the connection was made
     */
    record Key(boolean tls, String host, int port, boolean offerH2) {}

    private static final AttributeKey<Object> IDLE_TOKEN = AttributeKey.valueOf(UpstreamPool.class, "idle");

    private static final Object ACQUIRED = new Object();

    private final int maxIdle;
    private final long idleNanos;
    private final ConcurrentHashMap<EventLoop, Map<Key, ArrayDeque<Channel>>> loops = new ConcurrentHashMap<>();

    UpstreamPool(int maxIdle, Duration idleTimeout) {
        this.maxIdle = maxIdle;
        this.idleNanos = idleTimeout.toNanos();
    }

    private Map<Key, ArrayDeque<Channel>> local(EventLoop loop) {
        return loops.computeIfAbsent(loop, l -> new HashMap<>());
    }

    /** An idle, still-open connection for the key on this loop, or null. Call on {@code loop}. */
    @Nullable Channel acquire(EventLoop loop, Key key) {
        ArrayDeque<Channel> q = local(loop).get(key);
        while (q != null && !q.isEmpty()) {
            Channel ch = q.pollLast();
            ch.attr(IDLE_TOKEN).set(ACQUIRED);
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Returns a clean connection (response fully read, keep-alive). Call on its event loop. */
    void release(Key key, Channel ch) {
        EventLoop loop = ch.eventLoop();
        ArrayDeque<Channel> q = local(loop).computeIfAbsent(key, k -> new ArrayDeque<>());
        if (!ch.isActive() || q.size() >= maxIdle) {
            ch.close();
            return;
        }
        UpstreamHandler h = ch.pipeline().get(UpstreamHandler.class);
        if (h == null) {
            ch.close();
            return;
        }
        h.listener(null); // data or errors while idle close the connection
        ch.config().setAutoRead(true);
        q.addLast(ch);
        Object token = new Object();
        if (ch.attr(IDLE_TOKEN).getAndSet(token) == null) {
            ch.closeFuture().addListener(f -> q.remove(ch));
        }
        loop.schedule(() -> {
            if (ch.attr(IDLE_TOKEN).get() == token && q.remove(ch)) {
                ch.close();
            }
        }, idleNanos, TimeUnit.NANOSECONDS);
    }

    /** Closes every idle connection (shutdown). */
    void closeAll() {
        loops.forEach((loop, map) -> loop.execute(() -> {
            map.values().forEach(q -> {
                for (Channel ch : q.toArray(new Channel[0])) {
                    ch.close();
                }
                q.clear();
            });
        }));
    }
}
