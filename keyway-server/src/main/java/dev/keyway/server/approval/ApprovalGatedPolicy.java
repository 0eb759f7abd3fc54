package dev.keyway.server.approval;

import dev.keyway.core.approval.ApprovalRule;
import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.time.Durations;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.proxy.spi.RequestSigner;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.ApprovalRecord;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Holds the requests a service's {@link ApprovalRule} covers until a human decides. It wraps the
 * policy that matched and injected: a forwarded request of a service with a rule that covers its
 * method and path gets a {@link RequestSigner} that waits for {@link ApprovalService#hold} (off the
 * event loop) and only then lets the proxy write the request (running the inner signer first when
 * the inner decision had one: AWS re-signing, a linked credential's first fetch). Nothing is
 * written upstream before the approval; a denial is 403 {@code approval-denied} with the approver's
 * reason, a timeout 403 {@code approval-timeout}.
 *
 * <p>The body: when nothing else rewrites it, the hold buffers it whole (the proxy's
 * {@code maxBufferedBody}; a larger body is 413 before anyone is asked) and the approval records
 * its size; when the inner decision rewrites the body (substitution) or signs a streamed body, the
 * body stays unread in the connection while the request is held. A WebSocket upgrade is held the
 * same way (the proxy's upgrade path runs the same hook before it sends the upgrade request or even
 * dials, and cancels it when the client goes away): approved, the WebSocket connects with the
 * credential injected; denied or timed out, the upgrade request gets the 403.
 */
public final class ApprovalGatedPolicy implements ProxyPolicy {
    private final ProxyPolicy inner;
    private final Supplier<Snapshot> snapshot;
    private final ApprovalService approvals;

    public ApprovalGatedPolicy(ProxyPolicy inner, Supplier<Snapshot> snapshot, ApprovalService approvals) {
        this.inner = inner;
        this.snapshot = snapshot;
        this.approvals = approvals;
    }

    @Override
    public AuthResult authenticate(@Nullable String proxyAuthorization, InetSocketAddress client) {
        return inner.authenticate(proxyAuthorization, client);
    }

    @Override
    public ConnectDecision onConnect(ProxyPrincipal principal, String host, int port) {
        return inner.onConnect(principal, host, port);
    }

    @Override
    public boolean isActive(ProxyPrincipal principal) {
        return inner.isActive(principal);
    }

    @Override
    public RequestDecision onRequest(ProxyPrincipal p, RequestHead head) {
        RequestDecision d = inner.onRequest(p, head);
        if (!(d instanceof RequestDecision.Forward f) || f.service() == null) {
            return d;
        }
        String service = f.service();
        ServiceDefinition def = snapshot.get().vaultById(p.vaultId()).map(v -> v.services().get(service)).orElse(null);
        ApprovalRule rule = def == null ? null : def.approval();
        if (rule == null || !rule.requires(head.method(), head.path())) {
            return d;
        }
        Map<String, Object> extras = Map.of("service", service, "vault", p.vaultName());
        ApprovalService.Request req = new ApprovalService.Request(p.vaultId(), p.vaultName(), p.tokenId(), p.actor(), service,
                head.method(), head.host(), head.path(), 0, rule.timeout());
        return new RequestDecision.Forward(f.head(), f.body(), f.webSocketText(), service, f.credentials(),
                new Hold(approvals, req, f.signer(), f.body() == null, extras));
    }

    /**
     * The hold, as the proxy's signing hook: waits for the approval, then signs with the inner
     * signer (or keeps the head as it is). Cancelled by the proxy when the client goes away first.
     */
    static final class Hold implements RequestSigner {
        private final ApprovalService approvals;
        private final ApprovalService.Request request;
        private final @Nullable RequestSigner then;
        private final boolean buffersBody;
        private final Map<String, Object> extras;

        Hold(ApprovalService approvals, ApprovalService.Request request, @Nullable RequestSigner then, boolean noBodyRewriter,
                Map<String, Object> extras) {
            this.approvals = approvals;
            this.request = request;
            this.then = then;
            this.buffersBody = then != null ? then.needsBody() : noBodyRewriter;
            this.extras = extras;
        }

        @Override
        public boolean needsBody() {
            return buffersBody;
        }

        @Override
        public boolean holds() {
            return true;
        }

        @Override
        public ProxyProblem bodyTooLarge(int max) {
            return new ProxyProblem(ErrorType.PAYLOAD_TOO_LARGE, "service '" + request.service() + "' requires approval for "
                    + request.method() + " " + request.path() + ", and a held request's body is buffered up to " + max
                    + " bytes; this one is larger, so nothing was forwarded and nobody was asked", extras);
        }

        @Override
        public CompletableFuture<Signed> sign(RequestHead head, byte @Nullable [] body) {
            ApprovalService.Request r = body == null ? request : new ApprovalService.Request(request.vaultId(),
                    request.vaultName(), request.tokenId(), request.actor(), request.service(), request.method(),
                    request.host(), request.path(), body.length, request.timeout());
            CompletableFuture<ApprovalRecord> decision = approvals.hold(r);
            CompletableFuture<Signed> signed = decision.handle((a, err) -> outcome(a, err)).thenCompose(ok -> {
                RequestSigner s = then;
                if (s == null) {
                    return CompletableFuture.completedFuture(new Signed(head.headers(), null));
                }
                return s.sign(head, s.needsBody() ? body : null);
            });
            signed.whenComplete((v, e) -> {
                if (signed.isCancelled()) {
                    decision.cancel(false); // the proxy gave up: the client went away
                }
            });
            return signed;
        }

        /** The decision as the proxy needs it: go on, or the problem the client gets. */
        private Boolean outcome(@Nullable ApprovalRecord a, @Nullable Throwable err) {
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof KeywayException k) {
                Map<String, Object> x = new LinkedHashMap<>(extras);
                x.putAll(k.extras());
                throw new Refused(new ProxyProblem(k.type(), k.detail(), x));
            }
            if (cause != null || a == null) {
                throw new Refused(new ProxyProblem(ErrorType.STORE_UNAVAILABLE, "the approval could not be recorded; "
                        + "nothing was forwarded", extras));
            }
            return switch (a.state()) {
                case APPROVED -> Boolean.TRUE;
                case DENIED -> throw new Refused(denied(a, extras));
                case TIMED_OUT -> throw new Refused(timedOut(a, extras));
                case PENDING, CANCELLED -> throw new Refused(new ProxyProblem(ErrorType.APPROVAL_TIMEOUT, "approval " + a.id()
                        + " ended without a decision (" + a.state().wire() + "); nothing was forwarded",
                        with(extras, a)));
            };
        }
    }

    /** 403 {@code approval-denied}: the approver's reason, for the agent to act on. */
    static ProxyProblem denied(ApprovalRecord a, Map<String, Object> extras) {
        Map<String, Object> x = with(extras, a);
        String reason = a.reason();
        if (reason != null) {
            x.put("reason", reason);
        }
        return new ProxyProblem(ErrorType.APPROVAL_DENIED, "an approver denied " + a.method() + " " + a.host() + a.path()
                + (reason == null ? " without a reason" : ": " + reason) + "; nothing was forwarded", x);
    }

    /** 403 {@code approval-timeout}. */
    static ProxyProblem timedOut(ApprovalRecord a, Map<String, Object> extras) {
        return new ProxyProblem(ErrorType.APPROVAL_TIMEOUT, "nobody approved " + a.method() + " " + a.host() + a.path()
                + " within " + Durations.format(java.time.Duration.between(a.createdAt(), a.expiresAt()))
                + "; nothing was forwarded. Ask a human to watch 'keyway approval list', then retry", with(extras, a));
    }

    private static Map<String, Object> with(Map<String, Object> extras, ApprovalRecord a) {
        Map<String, Object> x = new LinkedHashMap<>(extras);
        x.put("approval_id", a.id());
        return x;
    }

}
