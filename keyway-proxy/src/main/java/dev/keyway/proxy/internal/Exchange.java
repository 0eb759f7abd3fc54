package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Objects;

/**
 * One forwarded request and its response. Lifecycle: the (possibly injected) head is prepared; the
 * durable audit decision (when a credential was injected) and the upstream connection are obtained
 * in parallel; only when both are ready is anything written upstream. The request body streams to
 * the upstream as it arrives (rewritten when the policy asks), the response streams back with every
 * chunk flushed, and each side stops reading while the other is not writable.
 *
 * <p>This class is the top layer: it starts the exchange and decides how it ends (completed,
 * failed, abandoned by the client, or replayed once after a stale pooled connection). The work is in
 * the layers below, bottom up: {@link ExchangeRecord} (identity, audit record), {@link
 * ExchangeUpstream} (connection), {@link ExchangeRequest} (request head and body), {@link
 * ExchangeSigning} (request signer), {@link ExchangeResponse} (response relay, response timeout).
 *
 * <p>Runs entirely on the client channel's event loop (upstream channels share it).
 */
final class Exchange extends ExchangeResponse {

    Exchange(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, HttpRequest req,
            RequestDecision.Forward fwd, String requestId, boolean clientKeepAlive) {
        super(owner, ctx, target, req, fwd, requestId, clientKeepAlive);
    }

    void start() {
        setClientRead(bufferForLength);
        if (!startSigning()) {
            return;
        }
        if (fwd.injected()) {
            if (!DecisionGate.await(px, audit, ctx.channel().eventLoop(), this::auditRecorded, this::fail)) {
                return;
            }
        } else {
            auditReady = true;
        }
        acquire();
    }

    @Override
    void responseComplete() {
        finished = true;
        cancelTimer();
        recordRequest(null);
        boolean clientDone = requestDone;
        releaseUpstream(requestSent && upstreamKeepAlive);
        releaseBody();
        owner.exchangeDone(this, !clientDone || !clientKeepAlive);
    }

    @Override
    void fail(ProxyProblem p) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        releaseBody();
        releaseUpstream(!headSent && !upstreamIsStream);
        if (!responseStarted) {
            recordDenied(p);
            boolean keep = clientKeepAlive && requestDone && !framingBroken;
            owner.answer(ctx, p, requestId, keep, requestDone);
            owner.exchangeDone(this, false);
            if (!keep && !owner.h2Stream) {
                setClientRead(!requestDone); // keep draining an unfinished upload until the delayed close
            } else if (!owner.h2Stream) {
                setClientRead(true);
            }
        } else {
            flushClient();
            recordRequest(p.type().slug());
            owner.exchangeDone(this, true);
        }
    }

    /**
     * Malformed body framing. Before the head went upstream nothing is sent at all (400); after it,
     * the upstream connection (or h2 stream) is closed by {@link #fail}, so the upstream sees an
     * aborted request, never a complete one. Either way the client connection closes.
     */
    @Override
    void bodyMalformed() {
        fail(Problems.of(ErrorType.MALFORMED_REQUEST, "the request body's chunked framing is invalid"));
    }

    void clientClosed() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        releaseBody();
        releaseUpstream(false);
        recordRequest(null);
    }

    @Override
    public void upstreamInactive() {
        upstreamLost(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR,
                target.authority() + " closed the connection before the response was complete"));
    }

    @Override
    public void upstreamError(Throwable cause) {
        String what = cause instanceof DecoderException ? " sent an invalid response" : " connection failed";
        upstreamLost(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR, target.authority() + what));
    }

    /** The upstream connection failed: replay once on a fresh connection when that is safe, else fail. */
    private void upstreamLost(ProxyProblem p) {
        if (finished) {
            return;
        }
        if (canReplay()) {
            replay();
        } else {
            fail(p);
        }
    }

    /**
     * A pooled keep-alive connection may have been closed by the upstream while it sat idle; the
     * request then fails before any response byte. Replaying it once is safe when nothing was sent
     * yet, or when the method is idempotent and the whole request can be written again (no body, or
     * a body that was buffered whole). A streamed body is gone once sent: that request fails (502).
     */
    private boolean canReplay() {
        return !responseBytes && staleConnectionRetryable() && requestReplayable();
    }

    private void replay() {
        abandonForRetry();
        cancelTimer();
        rewindRequest();
        rewindResponse();
        updateClientRead();
        dial(Objects.requireNonNull(poolKey));
    }
}
