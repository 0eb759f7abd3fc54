package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.channel.EventLoop;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The send gate: the one place of the rule "a request that carries an injected credential goes
 * upstream only after its {@code decision} record is durable". Every forwarding path (an
 * {@link Exchange}'s {@link RequestWriter}, a {@link WebSocketExchange}'s upgrade request) asks
 * {@link #mayForward()} before it writes a byte upstream, and nothing else decides it. If the audit
 * log cannot record the decision the gate is {@link State#REFUSED} for good and its listener fails
 * the request with 503 {@code audit-unavailable}.
 *
 * <p>One gate per forwarded request, used on the client channel's event loop. The audit log
 * completes its future on its own thread; the gate is its own completion callback and its own
 * event-loop task, so waiting for the record allocates nothing beyond the gate itself.
 */
final class SendGate implements BiConsumer<Object, Throwable>, Runnable {
    static final String REFUSED = "the audit log could not record this credential use, so nothing was forwarded";

    /** Where the gate stands. Only {@link #DURABLE} and {@link #NOT_REQUIRED} let anything go upstream. */
    enum State {
        /** {@link #start} was not called yet: closed. */
        IDLE,
        /** The decision record is being written: closed. */
        RECORDING,
        /** The decision record is durable: open. */
        DURABLE,
        /** No credential was injected, so there is no decision record to wait for: open. */
        NOT_REQUIRED,
        /** The audit log could not record the decision: closed for good. */
        REFUSED
    }

    /** What the gate tells its request; both run on the event loop. */
    interface Listener {
        /** The decision record became durable: the request may go now. */
        void gateOpened();

        /** The decision could not be recorded: the request must be answered with {@code p}, nothing forwarded. */
        void gateRefused(ProxyProblem p);
    }

    private final Listener listener;
    private final EventLoop loop;
    private State state = State.IDLE;
    /** The audit log's failure, handed from its thread to the loop (the task queue orders the two). */
    private @Nullable Throwable failure;

    SendGate(Listener listener, EventLoop loop) {
        this.listener = listener;
        this.loop = loop;
    }

    /**
     * Starts the gate: an injected request's decision is recorded (the listener hears the outcome
     * later, on the loop); any other request may go at once.
     *
     * @return false when the audit log refused synchronously ({@link Listener#gateRefused} was already called)
     */
    boolean start(ProxyContext px, AuditEvents.Base audit, boolean injected) {
        if (state != State.IDLE) {
            throw new IllegalStateException("the send gate was already started: " + state);
        }
        if (!injected) {
            state = State.NOT_REQUIRED;
            return true;
        }
        state = State.RECORDING;
        try {
            px.audit.decision(audit.with("decision", 0, 0, 0, 0, null)).whenComplete(this);
            px.decisionCommits.request(loop);
            return true;
        } catch (RuntimeException e) {
            refuse();
            return false;
        }
    }

    /** Whether anything may be written upstream now. */
    boolean mayForward() {
        return state == State.DURABLE || state == State.NOT_REQUIRED;
    }

    State state() {
        return state;
    }

    /** The audit log's answer, on its thread: handled on the loop (never inline, even when already complete). */
    @Override
    public void accept(@Nullable Object written, @Nullable Throwable err) {
        failure = err;
        loop.execute(this);
    }

    /** On the loop: opens or refuses. */
    @Override
    public void run() {
        if (state != State.RECORDING) {
            return;
        }
        if (failure != null) {
            refuse();
        } else {
            state = State.DURABLE;
            listener.gateOpened();
        }
    }

    private void refuse() {
        state = State.REFUSED;
        listener.gateRefused(Problems.of(ErrorType.AUDIT_UNAVAILABLE, REFUSED));
    }
}
