package dev.keyway.server.limit;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.time.Durations;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.LimitRecord;
import dev.keyway.store.TokenRecord;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Rate limits in front of any policy: a request the delegate would forward is counted against every
 * limit of its vault that applies to it ({@link RequestScope}); if any of them is exhausted the
 * client gets 429 {@code rate-limited} with {@code Retry-After} and nothing is forwarded (the
 * injected head is dropped). Requests the delegate refuses cost no token. The proxy audits the
 * refusal as a {@code denied} record like every other refused request. Composition, like
 * {@code SyncGatedPolicy}: the limits are one check after the decision, whatever decided it.
 *
 * <p>Reads the limits from the in-memory snapshot; the buckets never block the event loop
 * ({@link Buckets}).
 */
public final class RateLimitedPolicy implements ProxyPolicy {
    /** The problem extra the proxy turns into {@code Retry-After} (its {@code Problems.RETRY_AFTER}). */
    static final String RETRY_AFTER = "retry_after";

    private final ProxyPolicy delegate;
    private final Supplier<Snapshot> snapshot;
    private final RateLimiter limiter;
    private volatile @Nullable Snapshot synced;

    public RateLimitedPolicy(ProxyPolicy delegate, Supplier<Snapshot> snapshot, RateLimiter limiter) {
        this.delegate = delegate;
        this.snapshot = snapshot;
        this.limiter = limiter;
        syncWith(snapshot.get());
    }

    /** Tells the buckets about the snapshot's limits once per snapshot (an identity check per request otherwise). */
    private void syncWith(Snapshot s) {
        if (synced != s) {
            synced = s;
            List<LimitRecord> all = new ArrayList<>();
            s.limits().values().forEach(all::addAll);
            limiter.sync(all);
        }
    }

    @Override
    public AuthResult authenticate(@Nullable String proxyAuthorization, InetSocketAddress client) {
        return delegate.authenticate(proxyAuthorization, client);
    }

    @Override
    public ConnectDecision onConnect(ProxyPrincipal principal, String host, int port) {
        return delegate.onConnect(principal, host, port);
    }

    @Override
    public RequestDecision onRequest(ProxyPrincipal principal, RequestHead head) {
        RequestDecision d = delegate.onRequest(principal, head);
        if (!(d instanceof RequestDecision.Forward f)) {
            return d;
        }
        Snapshot s = snapshot.get();
        syncWith(s);
        List<LimitRecord> limits = s.limitsOf(principal.vaultId());
        if (limits.isEmpty()) {
            return d;
        }
        String agentId = agentOf(s, principal.tokenId());
        RequestScope scope = new RequestScope(f.service(), agentId, principal.tokenId(), new HashSet<>(f.credentials()));
        RateLimiter.Verdict v = limiter.check(scope.applicable(limits));
        LimitRecord l = v.limited();
        if (l == null) {
            return d;
        }
        return new RequestDecision.Deny(problem(s, l, principal.vaultName(), v.retryAfterSeconds()), f.service());
    }

    private static @Nullable String agentOf(Snapshot s, String tokenId) {
        String subject = s.tokens().byId(tokenId).map(TokenRecord::subject).orElse(null);
        return subject != null && s.agents().containsKey(subject) ? subject : null;
    }

    /** 429 naming the limit (its scope and rate, never a value) and what to do: wait, then retry. */
    static ProxyProblem problem(Snapshot s, LimitRecord l, String vaultName, long retryAfterSeconds) {
        String detail = "rate limit " + l.id() + " (" + describe(s, l) + ") is exhausted; nothing was forwarded. "
                + "Wait " + retryAfterSeconds + " s (Retry-After) before retrying this request";
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put(RETRY_AFTER, retryAfterSeconds);
        extras.put("limit", l.id());
        extras.put("vault", vaultName);
        return new ProxyProblem(ErrorType.RATE_LIMITED, detail, extras);
    }

    /** E.g. {@code 100 requests per 1m for service github, agent claude}. */
    public static String describe(Snapshot s, LimitRecord l) {
        StringBuilder b = new StringBuilder().append(l.rate().requests()).append(l.rate().requests() == 1 ? " request" : " requests")
                .append(" per ").append(Durations.format(l.rate().per()));
        List<String> scope = new ArrayList<>();
        if (l.service() != null) {
            scope.add("service " + l.service());
        }
        if (l.agentId() != null) {
            AgentRecord a = s.agents().get(l.agentId());
            scope.add("agent " + (a == null ? l.agentId() : a.name()));
        }
        if (l.tokenId() != null) {
            scope.add("token " + l.tokenId());
        }
        if (l.credential() != null) {
            scope.add("credential " + l.credential());
        }
        b.append(scope.isEmpty() ? " for the whole vault" : " for " + String.join(", ", scope));
        return b.toString();
    }

    @Override
    public boolean isActive(ProxyPrincipal principal) {
        return delegate.isActive(principal);
    }
}
