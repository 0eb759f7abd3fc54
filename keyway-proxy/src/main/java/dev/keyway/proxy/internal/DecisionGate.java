package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;

/**
 * The durable-audit gate every forwarding path shares: a request that carries an injected
 * credential may go upstream only after its {@code decision} record is durable. The continuation
 * runs on the connection's event loop; if the audit log cannot record the decision, the request is
 * answered 503 {@code audit-unavailable} and nothing is forwarded.
 */
final class DecisionGate {
    static final String REFUSED = "the audit log could not record this credential use, so nothing was forwarded";

    private DecisionGate() {}

    /**
     * Records the decision and calls {@code ready} once it is durable, or {@code fail} if it cannot be.
     *
     * @return false when the audit sink refused synchronously ({@code fail} has already been called)
     */
    static boolean await(ProxyContext px, AuditEvents.Base audit, EventLoop loop, Runnable ready, Consumer<ProxyProblem> fail) {
        try {
            px.audit.decision(audit.with("decision", 0, 0, 0, 0, null)).whenComplete((v, err) -> loop.execute(() -> {
                if (err != null) {
                    fail.accept(Problems.of(ErrorType.AUDIT_UNAVAILABLE, REFUSED));
                } else {
                    ready.run();
                }
            }));
            return true;
        } catch (RuntimeException e) {
            fail.accept(Problems.of(ErrorType.AUDIT_UNAVAILABLE, REFUSED));
            return false;
        }
    }
}
