package dev.keyway.proxy.internal;

import dev.keyway.core.limit.FailureAggregator;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyProblem;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Audits failed proxy authentication without letting a guessing client fill the disk: per client
 * address and error type, the first failure of a window is recorded as usual, the others only
 * counted, and one {@code denied} record with their {@code count} follows once the window ended
 * (written by the periodic {@link #flush}, or at shutdown). See {@link FailureAggregator}.
 */
final class AuthFailureAudit {
    /** Open windows kept at most; beyond that failures are recorded one by one (the throttle bounds them). */
    static final int MAX_ADDRESSES = 10_000;

    private record Key(String client, String errorType, int status) {}

    private final AuditSink audit;
    private final Clock clock;
    private final FailureAggregator<Key> windows;

    AuthFailureAudit(AuditSink audit, Clock clock, Duration window) {
        this.audit = audit;
        this.clock = clock;
        this.windows = new FailureAggregator<>(clock, window, MAX_ADDRESSES);
    }

    /** One failed authentication, answered with {@code p}. */
    void failure(String requestId, InetSocketAddress client, @Nullable String method, String host, int port,
            ProxyProblem p) {
        String addr = AuditEvents.client(client);
        Key key = new Key(addr == null ? "" : addr, p.type().slug(), p.status());
        if (windows.failure(key) == FailureAggregator.Outcome.RECORD) {
            audit.completed(AuditEvents.denied(requestId, null, client, method, host, port, null, null, p.status(),
                    p.type().slug()));
        }
    }

    /** Writes the summaries of the windows that ended. */
    void flush() {
        write(windows.drainEnded());
    }

    /** Writes every pending summary (shutdown). */
    void flushAll() {
        write(windows.drainAll());
    }

    private void write(List<FailureAggregator.Summary<Key>> summaries) {
        for (FailureAggregator.Summary<Key> s : summaries) {
            Key k = s.key();
            audit.completed(new ProxyAuditEvent("denied", clock.instant(), null, null, null, null,
                    k.client().isEmpty() ? null : k.client(), null, "", 0, null, null, false, List.of(), k.status(), 0, 0,
                    0, k.errorType(), null, s.count()));
        }
    }
}
