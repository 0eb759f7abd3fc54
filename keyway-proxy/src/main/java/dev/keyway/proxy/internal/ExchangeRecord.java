package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;

/**
 * The base layer of an {@link Exchange}: what the exchange is (client stream, target, the policy's
 * decision, request id) and what it will record. Every way an exchange ends writes exactly one
 * audit record from here: {@code request} with the status and byte counts relayed so far (and the
 * problem slug when it broke after the response started), or {@code denied} when the client got a
 * problem instead of a response. The byte counts also feed the tunnel's totals.
 *
 * <p>Why layers: an exchange is split into superclasses ({@code ExchangeRecord} ←
 * {@link ExchangeUpstream} ← {@link ExchangeRequest} ← {@link ExchangeSigning} ←
 * {@link ExchangeResponse} ← {@link Exchange}) rather than collaborating objects, so one forwarded
 * request is still one object (no extra allocation, no extra indirection) on the proxy's hot path. Each layer owns its own state and reaches the layers above it only through the abstract
 * hooks it declares. All of it runs on the client channel's event loop.
 */
abstract class ExchangeRecord {
    final ExchangeHandler owner;
    final ChannelHandlerContext ctx;
    final ProxyContext px;
    final Target target;
    final RequestDecision.Forward fwd;
    final String requestId;
    /** The client may send another request on this stream once this one is answered. */
    final boolean clientKeepAlive;
    /** Everything the audit records of this exchange share (the durable decision record too). */
    final AuditEvents.Base audit;
    private final long startNanos = System.nanoTime();
    /** The exchange is over (answered, failed or abandoned): every later event is ignored. */
    boolean finished;
    /** The upstream's final status code (0 until a final response head arrived). */
    int status;
    long bytesIn;
    long bytesOut;

    /**
     * @param clientTarget the request target as the client sent it (origin form); the audit records
     *     its path, never the forwarded head's, which may carry a substituted credential
     */
    ExchangeRecord(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, RequestDecision.Forward fwd,
            String requestId, boolean clientKeepAlive, String clientTarget) {
        this.owner = owner;
        this.ctx = ctx;
        this.px = owner.px;
        this.target = target;
        this.fwd = fwd;
        this.requestId = requestId;
        this.clientKeepAlive = clientKeepAlive;
        TunnelSession s = owner.session;
        // the path the client sent (a placeholder), never the forwarded one: a substituted path holds the secret
        this.audit = new AuditEvents.Base("request", requestId, target.principal(), target.client(), fwd.head().method(),
                target.host(), target.port(), clientTarget, fwd.service(), fwd.credentials(),
                s == null ? null : s.mode);
    }

    /** Ends the exchange with a problem: answered locally, or the client stream is cut if the response began. */
    abstract void fail(ProxyProblem p);

    /** Records the relayed exchange ({@code errorType} when it broke off) and adds its bytes to the tunnel. */
    final void recordRequest(@Nullable String errorType) {
        px.audit.completed(audit.with("request", status, bytesIn, bytesOut, AuditEvents.millisSince(startNanos),
                errorType));
        TunnelSession s = owner.session;
        if (s != null) {
            s.bytesIn += bytesIn;
            s.bytesOut += bytesOut;
        }
    }

    /** Records that the client got the problem {@code p} instead of an upstream response. */
    final void recordDenied(ProxyProblem p) {
        px.audit.completed(AuditEvents.denied(requestId, target.principal(), target.client(), audit.method(),
                target.host(), target.port(), audit.pathAndQuery(), fwd.service(), p.status(), p.type().slug()));
    }
}
