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

    private static final AttributeKey<Idle> IDLE = AttributeKey.valueOf(UpstreamPool.class, "idle");

    private final int maxIdle;
    private final long idleNanos;
    private final ConcurrentHashMap<EventLoop, Local> loops = new ConcurrentHashMap<>();

    UpstreamPool(int maxIdle, Duration idleTimeout) {
        this.maxIdle = maxIdle;
        this.idleNanos = idleTimeout.toNanos();
    }

    /** The pool of one event loop; only that loop touches it. */
    private static final class Local {
        final Map<Key, ArrayDeque<Channel>> queues = new HashMap<>();
        /** Idle checks scheduled and not yet run: at most one per pooled connection. */
        int pendingChecks;
    }

    /** Whether a pooled connection waits in its queue or serves an exchange. */
    private enum Use { IDLE, ACQUIRED }

    /**
     * The idle clock of one pooled connection, created on its first release. A release only stamps
     * the time; one check at a time is pending per connection, and when it finds the connection
     * reused since, it re-arms for the rest of the timeout instead of closing. A keep-alive
     * connection released thousands of times a second so costs no timer per request (one timer
     * per release stayed pending for the whole idle timeout, so at 26k req/s and 60 s about 1.5
     * million tasks sat in the loops' queues).
     */
    private final class Idle implements Runnable {
        private final Channel ch;
        private final Local local;
        private ArrayDeque<Channel> queue;
        private Use use = Use.ACQUIRED;
        private long since;
        private boolean checkPending;

        Idle(Channel ch, Local local, ArrayDeque<Channel> queue) {
            this.ch = ch;
            this.local = local;
            this.queue = queue;
        }

        void released(ArrayDeque<Channel> q) {
            queue = q;
            use = Use.IDLE;
            since = ch.eventLoop().ticker().nanoTime();
            if (!checkPending) {
                arm(idleNanos);
            }
        }

        private void arm(long delayNanos) {
            checkPending = true;
            local.pendingChecks++;
            ch.eventLoop().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
        }

        /** The idle check. */
        @Override
        public void run() {
            checkPending = false;
            local.pendingChecks--;
            if (use != Use.IDLE || !ch.isActive()) {
                return; // serving an exchange (its next release arms the clock again), or closed
            }
            long left = idleNanos - (ch.eventLoop().ticker().nanoTime() - since);
            if (left > 0) {
                arm(left); // reused and released again since this check was armed
            } else if (queue.remove(ch)) {
                ch.close();
            }
        }
    }

    private Local local(EventLoop loop) {
        Local l = loops.get(loop);
        return l != null ? l : loops.computeIfAbsent(loop, x -> new Local());
    }

    /** An idle, still-open connection for the key on this loop, or null. Call on {@code loop}. */
    @Nullable Channel acquire(EventLoop loop, Key key) {
        ArrayDeque<Channel> q = local(loop).queues.get(key);
        while (q != null && !q.isEmpty()) {
            Channel ch = q.pollLast();
            Idle idle = ch.attr(IDLE).get();
            if (idle != null) {
                idle.use = Use.ACQUIRED;
            }
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Returns a clean connection (response fully read, keep-alive). Call on its event loop. */
    void release(Key key, Channel ch) {
        Local local = local(ch.eventLoop());
        ArrayDeque<Channel> q = local.queues.get(key);
        if (q == null) {
            q = new ArrayDeque<>();
            local.queues.put(key, q);
        }
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
        Idle idle = ch.attr(IDLE).get();
        if (idle == null) {
            Idle created = new Idle(ch, local, q);
            ch.attr(IDLE).set(created);
            ch.closeFuture().addListener(f -> created.queue.remove(ch));
            idle = created;
        }
        idle.released(q);
    }

    /** Idle checks pending on {@code loop} (at most one per pooled connection). Call on {@code loop}. */
    int pendingIdleChecks(EventLoop loop) {
        Local l = loops.get(loop);
        return l == null ? 0 : l.pendingChecks;
    }

    /** Closes every idle connection (shutdown). */
    void closeAll() {
        loops.forEach((loop, local) -> loop.execute(() -> {
            local.queues.values().forEach(q -> {
                for (Channel ch : q.toArray(new Channel[0])) {
                    ch.close();
                }
                q.clear();
            });
        }));
    }
}
