package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.AuditSink;
import io.netty.channel.EventLoop;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Commits the decision records an event loop produced in one pass with one call to
 * {@link AuditSink#commitDecisions()}, run as a task after the pass's I/O.
 *
 * <p>Why: an event loop that reads requests from many connections in one pass records one
 * decision per credential-bearing request. Waking the audit writer for the first of them makes it
 * force that record alone (one {@code fdatasync} and a few thread switches per request, most of the
 * cost of durability on a real disk); asking once after the pass lets all of them share one force.
 * The wait this adds is the rest of the pass, which the loop's thread spends on the other requests
 * anyway. The audit log bounds it too: an uncommitted record is forced within its lazy delay.
 *
 * <p>One {@link Pass} per event loop, only touched on that loop.
 */
final class DecisionCommits {
    private final AuditSink sink;
    private final ConcurrentMap<EventLoop, Pass> passes = new ConcurrentHashMap<>();

    DecisionCommits(AuditSink sink) {
        this.sink = sink;
    }

    /** Asks for a commit after the current pass of {@code loop} (once per pass, however often asked). */
    void request(EventLoop loop) {
        passes.computeIfAbsent(loop, l -> new Pass(sink, l)).request();
    }

    /** The commit task of one event loop. */
    static final class Pass implements Runnable {
        private final AuditSink sink;
        private final EventLoop loop;
        private boolean scheduled;

        Pass(AuditSink sink, EventLoop loop) {
            this.sink = sink;
            this.loop = loop;
        }

        void request() {
            if (!scheduled) {
                scheduled = true;
                loop.execute(this);
            }
        }

        @Override
        public void run() {
            scheduled = false;
            sink.commitDecisions();
        }
    }
}
