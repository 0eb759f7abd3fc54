package dev.keyway.server.metrics;

import dev.keyway.proxy.spi.AuthFailure;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Counts proxy token validations by result ({@code keyway_token_validations_total{source="proxy",result}})
 * around the real policy; every decision is the delegate's. One pre-registered counter per result
 * (an array indexed by {@link AuthFailure}), so the hot path is a lookup and an add.
 */
public final class MeteredProxyPolicy implements ProxyPolicy {
    private final ProxyPolicy delegate;
    private final Counter valid;
    private final Counter[] rejected = new Counter[AuthFailure.values().length];

    public MeteredProxyPolicy(ProxyPolicy delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.valid = counter(registry, "valid");
        for (AuthFailure f : AuthFailure.values()) {
            rejected[f.ordinal()] = counter(registry, f.slug());
        }
    }

    static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("keyway.token.validations")
                .description("Token checks, by where the token was presented and the result")
                .tag("source", "proxy")
                .tag("result", result)
                .register(registry);
    }

    @Override
    public AuthResult authenticate(@Nullable String proxyAuthorization, InetSocketAddress client) {
        AuthResult r = delegate.authenticate(proxyAuthorization, client);
        switch (r) {
            case AuthResult.Authenticated a -> valid.increment();
            case AuthResult.Rejected rej -> rejected[rej.reason().ordinal()].increment();
        }
        return r;
    }

    @Override
    public ConnectDecision onConnect(ProxyPrincipal principal, String host, int port) {
        return delegate.onConnect(principal, host, port);
    }

    @Override
    public RequestDecision onRequest(ProxyPrincipal principal, RequestHead head) {
        return delegate.onRequest(principal, head);
    }

    @Override
    public boolean isActive(ProxyPrincipal principal) {
        return delegate.isActive(principal);
    }
}
