package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.ProxyProblem;
import org.jspecify.annotations.Nullable;

/**
 * The audit-record part of an {@link Exchange}: what the exchange will record, and the counts that
 * go into it. Every way an exchange ends writes exactly one audit record from here: {@code request}
 * with the status and byte counts relayed so far (and the problem slug when it broke after the
 * response started), or {@code denied} when the client got a problem instead of a response. The
 * byte counts also feed the tunnel's totals. The durable {@code decision} record is the
 * {@link SendGate}'s, built from the same {@link #base}.
 */
final class ExchangeAudit {
    private final ProxyContext px;
    private final Target target;
    private final @Nullable TunnelSession session;
    private final @Nullable String service;
    /** Everything the audit records of this exchange share (the durable decision record too). */
    final AuditEvents.Base base;
    private final long startNanos = System.nanoTime();
    /** The upstream's final status code (0 until a final response head arrived). */
    private int status;
    private long bytesIn;
    private long bytesOut;
    /** Echoes replaced in the response, or -1 while it is not scanned. */
    private long redactions = -1;
    /** When the request (last) went upstream, and when the final response head arrived; 0 = not yet. */
    private long sentNanos;
    private long headNanos;

    /**
     * @param clientTarget the request target as the client sent it (origin form); the audit records
     *     its path, never the forwarded head's, which may carry a substituted credential
     */
    ExchangeAudit(ProxyContext px, Target target, @Nullable TunnelSession session, String requestId, String method,
            @Nullable String service, java.util.List<String> credentials, String clientTarget) {
        this.px = px;
        this.target = target;
        this.session = session;
        this.service = service;
        // the path the client sent (a placeholder), never the forwarded one: a substituted path holds the secret
        this.base = new AuditEvents.Base("request", requestId, target.principal(), target.client(), method,
                target.host(), target.port(), clientTarget, service, credentials, session == null ? null : session.mode);
    }

    void status(int code) {
        this.status = code;
        if (headNanos == 0 && sentNanos != 0) {
            headNanos = System.nanoTime();
        }
    }

    /** The request head was flushed upstream (again, for a replay on a fresh connection): the upstream's time starts. */
    void sentUpstream() {
        sentNanos = System.nanoTime();
    }

    /** From the request going upstream to the final response head, or -1 when either did not happen. */
    private long upstreamNanos() {
        return sentNanos != 0 && headNanos != 0 ? Math.max(0, headNanos - sentNanos) : -1;
    }

    int status() {
        return status;
    }

    /** Request body bytes received from the client. */
    void countIn(long n) {
        bytesIn += n;
    }

    /** Response bytes relayed to the client. */
    void countOut(long n) {
        bytesOut += n;
    }

    /** The response is scanned for echoed secrets: the record says how many it replaced (so far none). */
    void scanned() {
        if (redactions < 0) {
            redactions = 0;
        }
    }

    /** Echoes replaced in the response. */
    void countRedactions(long n) {
        scanned();
        redactions += n;
    }

    /** Records the relayed exchange ({@code errorType} when it broke off) and adds its bytes to the tunnel. */
    void recordRequest(@Nullable String errorType) {
        px.audit.completed(base.with("request", status, bytesIn, bytesOut, AuditEvents.millisSince(startNanos),
                errorType, redactions, upstreamNanos()));
        TunnelSession s = session;
        if (s != null) {
            s.bytesIn += bytesIn;
            s.bytesOut += bytesOut;
        }
    }

    /** Records that the client got the problem {@code p} instead of an upstream response. */
    void recordDenied(ProxyProblem p) {
        px.audit.completed(AuditEvents.denied(base.requestId(), target.principal(), target.client(), base.method(),
                target.host(), target.port(), base.pathAndQuery(), service, p.status(), p.type().slug()));
    }
}
