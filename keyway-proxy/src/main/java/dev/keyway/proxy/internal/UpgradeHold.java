package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The {@link RequestSigner} hook on a {@link WebSocketExchange}'s upgrade request: the same hold a
 * plain request gets through {@link RequestSigning} (a human approval, a linked credential's first
 * fetch, a signature), without the body machinery an upgrade does not have. The signer sees the
 * upgrade request exactly as it will be sent; its headers (and request target) replace the
 * exchange's only when it answered, and nothing is written upstream before. The answer hops onto
 * the event loop, never inline, so the exchange's own start has finished first. When the exchange
 * ends while the hold is pending (the client went away), the future is cancelled so the signer
 * learns that nobody waits (a pending approval is cancelled).
 */
final class UpgradeHold {
    /** Where the hold stands; only {@link #RELEASED} lets the upgrade request go. */
    enum State {
        /** {@link #start} was not called yet. */
        IDLE,
        /** The signer was asked and has not answered: nothing goes upstream. */
        HOLDING,
        /** The signer answered with the final headers: the upgrade request may be written. */
        RELEASED,
        /** The signer refused or failed: the exchange answers the problem, nothing forwarded. */
        REFUSED,
        /** The exchange ended first; the signer's future was cancelled and a late answer is wiped. */
        ABANDONED
    }

    /** What the hold tells its exchange, on the event loop. */
    interface Listener {
        void holdReleased(RequestSigner.Signed signed);

        void holdRefused(ProxyProblem problem);
    }

    private final RequestSigner signer;
    private final Listener listener;
    private final EventLoop loop;
    private State state = State.IDLE;
    private @Nullable CompletableFuture<RequestSigner.Signed> pending;

    UpgradeHold(RequestSigner signer, Listener listener, EventLoop loop) {
        this.signer = signer;
        this.listener = listener;
        this.loop = loop;
    }

    State state() {
        return state;
    }

    /** Whether the wait may be long, so the upstream is dialed only once the signer answered. */
    boolean dialsLater() {
        return signer.holds();
    }

    /** Asks the signer about {@code head} (the upgrade has no body: an empty one when the signer wants it). */
    void start(RequestHead head) {
        if (state != State.IDLE) {
            throw new IllegalStateException("the hold was already started: " + state);
        }
        state = State.HOLDING;
        try {
            CompletableFuture<RequestSigner.Signed> f = signer.sign(head, signer.needsBody() ? new byte[0] : null);
            pending = f;
            f.whenComplete((r, err) -> loop.execute(() -> answered(r, err)));
        } catch (RuntimeException e) {
            loop.execute(() -> answered(null, e));
        }
    }

    /** The exchange ended while the signer had not answered: its future is cancelled. */
    void abandon() {
        if (state != State.HOLDING) {
            return;
        }
        state = State.ABANDONED;
        CompletableFuture<RequestSigner.Signed> f = pending;
        pending = null;
        if (f != null && !f.isDone()) {
            f.cancel(false);
        }
    }

    private void answered(RequestSigner.@Nullable Signed r, @Nullable Throwable err) {
        pending = null;
        if (state != State.HOLDING) {
            if (r != null) {
                r.echoes().close(); // nobody sends it: the injected values are wiped
            }
            return;
        }
        if (err != null || r == null) {
            state = State.REFUSED;
            listener.holdRefused(RequestSigning.problemOf(err));
            return;
        }
        state = State.RELEASED;
        listener.holdReleased(r);
    }
}
