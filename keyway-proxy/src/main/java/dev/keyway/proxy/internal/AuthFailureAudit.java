package dev.keyway.proxy.internal;

import dev.keyway.core.limit.FailureAggregator;
import dev.keyway.proxy.spi.AuditSink;
import dev.keyway.proxy.spi.AuthFailure;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import dev.keyway.proxy.spi.ProxyProblem;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Audits failed proxy authentication without letting a guessing client fill the disk: per client
 * address, error type, reason ({@link AuthFailure}) and token id, the first failure of a window is recorded as usual, the others only
 * counted, and one {@code denied} record with their {@code count} follows once the window ended
 * (written by the periodic {@link #flush}, or at shutdown). See {@link FailureAggregator}.
 */
final class AuthFailureAudit {
    /** Open windows kept at most; beyond that failures are recorded one by one (the throttle bounds them). */
    static final int MAX_ADDRESSES = 10_000;

    /** Aggregation key: the reason and token id survive aggregation (a summary says which token expired). */
    private record Key(String client, String errorType, int status, @Nullable String reason, @Nullable String tokenId) {}

    private final AuditSink audit;
    private final Clock clock;
    private final FailureAggregator<Key> windows;

    AuthFailureAudit(AuditSink audit, Clock clock, Duration window) {
        this.audit = audit;
        this.clock = clock;
        this.windows = new FailureAggregator<>(clock, window, MAX_ADDRESSES);
    }

    /**
     * One failed authentication, answered with {@code p}.
     *
     * @param reason why it failed, null when the answer is not about the credentials (429 throttle)
     * @param tokenId the presented token's id when known
     */
    void failure(String requestId, InetSocketAddress client, @Nullable String method, String host, int port,
            ProxyProblem p, @Nullable AuthFailure reason, @Nullable String tokenId) {
        String addr = AuditEvents.client(client);
        Key key = new Key(addr == null ? "" : addr, p.type().slug(), p.status(), reason == null ? null : reason.slug(),
                tokenId);
        if (windows.failure(key) == FailureAggregator.Outcome.RECORD) {
            audit.completed(event(requestId, addr, method, host, port, key, 1));
        }
    }

    private ProxyAuditEvent event(@Nullable String requestId, @Nullable String client, @Nullable String method,
            String host, int port, Key k, long count) {
        return new ProxyAuditEvent("denied", clock.instant(), requestId, null, k.tokenId(), null, client, method, host,
                port, null, null, false, List.of(), k.status(), 0, 0, 0, k.errorType(), null, k.reason(), count);
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
            audit.completed(event(null, k.client().isEmpty() ? null : k.client(), null, "", 0, k, s.count()));
        }
    }
}
