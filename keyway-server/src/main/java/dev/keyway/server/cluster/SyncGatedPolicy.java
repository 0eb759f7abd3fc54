package dev.keyway.server.cluster;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import java.net.InetSocketAddress;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Fail closed while the node is out of sync: the snapshot may miss a revocation, so no new tunnel
 * is opened and no request is forwarded (nothing is injected); each gets 503
 * {@code node-out-of-sync}. Authentication and {@link #isActive} stay as they are: the engine asks
 * {@code isActive} before each request, and a false there would be answered as a revoked token
 * (407), which is not what happened. Connections already open keep relaying what they relay, but
 * every request in them is refused here. Composition over a flag in the policy: the gate is one
 * check in front of any policy.
 */
public final class SyncGatedPolicy implements ProxyPolicy {
    private final ProxyPolicy delegate;
    private final Readiness readiness;

    public SyncGatedPolicy(ProxyPolicy delegate, Readiness readiness) {
        this.delegate = delegate;
        this.readiness = readiness;
    }

    /** The problem every refused decision carries. */
    static ProxyProblem outOfSync(Readiness r) {
        return new ProxyProblem(ErrorType.NODE_OUT_OF_SYNC, "this Keyway node has not confirmed sync with its database for "
                + r.lag().toMillis() + " ms, so it injects nothing until it has; retry (another node may serve you)",
                Map.of("lag_ms", r.lag().toMillis()));
    }

    @Override
    public AuthResult authenticate(@Nullable String proxyAuthorization, InetSocketAddress client) {
        return delegate.authenticate(proxyAuthorization, client);
    }

    @Override
    public ConnectDecision onConnect(ProxyPrincipal principal, String host, int port) {
        if (readiness.state() != SyncState.IN_SYNC) {
            return new ConnectDecision.Deny(outOfSync(readiness));
        }
        return delegate.onConnect(principal, host, port);
    }

    @Override
    public RequestDecision onRequest(ProxyPrincipal principal, RequestHead head) {
        if (readiness.state() != SyncState.IN_SYNC) {
            return new RequestDecision.Deny(outOfSync(readiness), null);
        }
        return delegate.onRequest(principal, head);
    }

    @Override
    public boolean isActive(ProxyPrincipal principal) {
        return delegate.isActive(principal);
    }
}
