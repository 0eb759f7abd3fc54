package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestSigner;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * One forwarded request and its response. Lifecycle: the (possibly injected) head is prepared; the
 * durable audit decision (when a credential was injected) and the upstream connection are obtained
 * in parallel; only when both are ready is anything written upstream. The request body streams to
 * the upstream as it arrives (rewritten when the policy asks), the response streams back, and each
 * side stops reading while the other is not writable.
 *
 * <p>Why composition: the exchange is built from parts that each own one concern and its state, and
 * this class only starts them, routes events to them and decides how the exchange ends (completed,
 * failed, abandoned by the client, or replayed once after a stale pooled connection):
 * <ul>
 *   <li>{@link ExchangeAudit}: the audit record and its counts;
 *   <li>{@link SendGate}: the rule "nothing goes upstream before the decision record is durable";
 *   <li>{@link UpstreamLink}: the upstream connection (pooled, dialed, h2 stream, the one redial);
 *   <li>{@link RequestWriter}: the injected head and the body, client to upstream
 *       ({@link RequestWriter.Input}, {@link RequestWriter.Output});
 *   <li>{@link RequestSigning}: the AWS re-signing, only when the policy signs;
 *   <li>{@link ResponseRelay}: the response, upstream to client, and its timeout
 *       ({@link ResponseRelay.State}).
 * </ul>
 *
 * <p>Runs entirely on the client channel's event loop (upstream channels share it).
 */
final class Exchange implements UpstreamListener, SendGate.Listener {
    /** How the exchange stands; every state but {@link #RUNNING} is final and ignores later events. */
    enum State {
        RUNNING,
        /** The whole response was relayed. */
        COMPLETED,
        /** Answered with a problem, or the client stream cut after the response began. */
        FAILED,
        /** The client went away first. */
        ABANDONED
    }

    final ExchangeHandler owner;
    final ChannelHandlerContext ctx;
    final ProxyContext px;
    final Target target;
    final RequestDecision.Forward fwd;
    final String requestId;
    /** The client may send another request on this stream once this one is answered. */
    final boolean clientKeepAlive;
    final ExchangeAudit audit;
    final SendGate gate;
    final UpstreamLink link;
    final RequestWriter writer;
    final @Nullable RequestSigning signing;
    final ResponseRelay relay;
    private State state = State.RUNNING;

    Exchange(ExchangeHandler owner, ChannelHandlerContext ctx, Target target, HttpRequest req,
            RequestDecision.Forward fwd, String requestId, boolean clientKeepAlive) {
        this.owner = owner;
        this.ctx = ctx;
        this.px = owner.px;
        this.target = target;
        this.fwd = fwd;
        this.requestId = requestId;
        this.clientKeepAlive = clientKeepAlive;
        this.audit = new ExchangeAudit(px, target, owner.session, requestId, fwd.head().method(), fwd.service(),
                fwd.credentials(), req.uri());
        this.gate = new SendGate(this, ctx.channel().eventLoop());
        this.link = new UpstreamLink(this);
        this.writer = new RequestWriter(this, req);
        RequestSigner sg = fwd.signer();
        this.signing = sg == null ? null : new RequestSigning(this, sg);
        this.relay = new ResponseRelay(this);
    }

    State state() {
        return state;
    }

    /** The exchange ended: every later event is ignored. */
    boolean isOver() {
        return state != State.RUNNING;
    }

    void start() {
        // a body waits in the socket until it can go somewhere; a request without one leaves reading on
        writer.setClientRead(writer.buffersWhole() || !writer.expectsBody());
        RequestSigning sg = signing;
        if (sg != null && !sg.start()) {
            return;
        }
        if (!gate.start(px, audit.base, fwd.injected())) {
            return;
        }
        if (sg != null && sg.holds()) {
            return; // a hold may last minutes: the upstream is dialed once the signer answered (RequestSigning)
        }
        link.acquire();
    }

    @Override
    public void gateOpened() {
        writer.maybeSend();
    }

    @Override
    public void gateRefused(ProxyProblem p) {
        fail(p);
    }

    /** The upstream link attached a connection: write what can be written. */
    void upstreamAttached() {
        writer.maybeSend();
    }

    /** Whether the client's next body part belongs to this exchange (else the handler discards it). */
    boolean wantsRequestBody() {
        return writer.wantsBody();
    }

    void clientContent(HttpContent c) {
        writer.clientContent(c);
    }

    void clientWritabilityChanged(boolean writable) {
        relay.clientWritabilityChanged(writable);
    }

    /** The whole response was relayed. */
    void responseComplete() {
        state = State.COMPLETED;
        relay.cancelTimer();
        relay.close();
        audit.recordRequest(null);
        boolean clientDone = writer.clientDone();
        link.release(writer.output() == RequestWriter.Output.SENT && relay.upstreamKeepAlive());
        writer.releaseBody();
        owner.exchangeDone(this, !clientDone || !clientKeepAlive);
    }

    /** Ends the exchange with a problem: answered locally, or the client stream is cut if the response began. */
    void fail(ProxyProblem p) {
        if (isOver()) {
            return;
        }
        state = State.FAILED;
        relay.cancelTimer();
        relay.close();
        abandonSigning();
        writer.releaseBody();
        link.release(!writer.headSent() && !link.isStream());
        if (!relay.started()) {
            audit.recordDenied(p);
            boolean requestDone = writer.clientDone();
            boolean keep = clientKeepAlive && writer.input() == RequestWriter.Input.COMPLETE;
            owner.answer(ctx, p, requestId, keep, requestDone);
            owner.exchangeDone(this, false);
            if (!keep && !owner.h2Stream) {
                writer.setClientRead(!requestDone); // keep draining an unfinished upload until the delayed close
            } else if (!owner.h2Stream) {
                writer.setClientRead(true);
            }
        } else {
            relay.flushClient();
            audit.recordRequest(p.type().slug());
            owner.exchangeDone(this, true);
        }
    }

    /**
     * Malformed body framing. Before the head went upstream nothing is sent at all (400); after it,
     * the upstream connection (or h2 stream) is closed by {@link #fail}, so the upstream sees an
     * aborted request, never a complete one. Either way the client connection closes.
     */
    void bodyMalformed() {
        fail(Problems.of(ErrorType.MALFORMED_REQUEST, "the request body's chunked framing is invalid"));
    }

    void clientClosed() {
        if (isOver()) {
            return;
        }
        state = State.ABANDONED;
        relay.cancelTimer();
        relay.close();
        abandonSigning();
        writer.releaseBody();
        link.release(false);
        audit.recordRequest(null);
    }

    /** A signer still holding the request learns that the exchange ended without it. */
    private void abandonSigning() {
        RequestSigning sg = signing;
        if (sg != null) {
            sg.abandon();
        }
    }

    @Override
    public void upstreamRead(Object msg) {
        if (isOver()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!writer.headSent()) {
            // Nothing was sent on this connection yet, so this is no answer to the request: a pooled
            // connection's farewell (e.g. the 408 some servers send when closing an idle connection)
            // or a broken upstream. Stale: the request goes on a fresh connection when that is safe.
            ReferenceCountUtil.release(msg);
            upstreamLost(Problems.of(ErrorType.UPSTREAM_PROTOCOL_ERROR,
                    target.authority() + " sent a response before the request was sent"));
            return;
        }
        relay.read(msg);
    }

    @Override
    public void upstreamReadComplete() {
        relay.flushClient();
    }

    @Override
    public void upstreamWritabilityChanged(boolean writable) {
        writer.updateClientRead();
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
        if (isOver()) {
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
        return !relay.anyBytes() && link.staleConnectionRetryable() && writer.replayable();
    }

    private void replay() {
        relay.cancelTimer();
        writer.rewind();
        relay.rewind();
        writer.updateClientRead();
        link.redial();
    }
}
