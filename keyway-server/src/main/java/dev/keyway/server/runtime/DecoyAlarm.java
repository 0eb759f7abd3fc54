package dev.keyway.server.runtime;

import dev.keyway.core.decoy.DecoyMatcher;
import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.ProxyProblem;
import dev.keyway.server.webhook.DecoyEvent;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a request carries a decoy credential: the request is refused (the caller
 * answers with {@link #problem}), an {@code alert} audit record is written, webhooks are told, and
 * for a {@code --revoke-on-use} decoy the token is revoked. The token is marked burned in memory at
 * once, so its next request on this node is refused without waiting for the store; the revocation
 * itself goes through the ordinary token revocation (store, change log), so every node sees it.
 * Store and network work runs on {@code executor}, never on the proxy's event loop.
 */
public final class DecoyAlarm {
    private static final Logger log = LoggerFactory.getLogger(DecoyAlarm.class);
    /** Burned tokens kept in memory (each is also revoked in the store, which is what lasts). */
    static final int MAX_BURNED = 100_000;

    /** Writes an alert audit record: action and details. */
    @FunctionalInterface
    public interface AlertSink {
        void alert(String action, Map<String, Object> details);
    }

    private final AlertSink audit;
    private final Consumer<DecoyEvent> webhooks;
    private final BiConsumer<String, String> revoke;
    private final Executor executor;
    private final Clock clock;
    private final Set<String> burned = ConcurrentHashMap.newKeySet();

    /**
     * @param revoke revokes a token by id through the ordinary revocation path; the second argument is
     *     the reason, for its log line
     */
    public DecoyAlarm(AlertSink audit, Consumer<DecoyEvent> webhooks, BiConsumer<String, String> revoke, Executor executor,
            Clock clock) {
        this.audit = audit;
        this.webhooks = webhooks;
        this.revoke = revoke;
        this.executor = executor;
        this.clock = clock;
    }

    /** True for a token that used a revoke-on-use decoy on this node (refused before the store catches up). */
    public boolean burned(String tokenId) {
        return burned.contains(tokenId);
    }

    /**
     * A request by {@code p} to {@code host:port} carried a decoy: alert, notify, revoke. Returns
     * the problem to answer with (nothing is forwarded).
     */
    public ProxyProblem tripped(ProxyPrincipal p, DecoyMatcher.Hit hit, String method, String host, int port,
            @Nullable String service) {
        boolean revoking = hit.decoy().revokeOnUse();
        if (revoking && burned.size() < MAX_BURNED) {
            burned.add(p.tokenId());
        }
        DecoyEvent e = new DecoyEvent(clock.instant(), p.vaultName(), hit.decoy().name(), p.tokenId(), p.actor(), method, host,
                port, service, hit.location().word(), hit.header(), revoking);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("time", e.time().toString());
        d.put("vault", e.vault());
        d.put("decoy", e.decoy());
        d.put("token_id", e.tokenId());
        d.put("actor", e.actor());
        d.put("method", method);
        d.put("host", host);
        d.put("port", port);
        if (service != null) {
            d.put("service", service);
        }
        d.put("location", e.location());
        if (hit.header() != null) {
            d.put("header", hit.header());
        }
        d.put("token_revoked", revoking);
        log.warn("decoy credential {} of vault {} used by {} (token {}) in the {} of a request to {}:{}; refused{}",
                e.decoy(), e.vault(), e.actor(), e.tokenId(), e.location(), host, port, revoking ? ", revoking the token" : "");
        try {
            executor.execute(() -> {
                audit.alert("decoy.used", d);
                if (revoking) {
                    try {
                        revoke.accept(p.tokenId(), "used decoy " + e.decoy());
                    } catch (RuntimeException ex) {
                        log.error("could not revoke token {} after it used decoy {}: {}", p.tokenId(), e.decoy(), ex.getMessage());
                    }
                }
                try {
                    webhooks.accept(e);
                } catch (RuntimeException ex) {
                    log.error("could not notify webhooks of decoy use: {}", ex.toString());
                }
            });
        } catch (RejectedExecutionException ex) {
            log.error("decoy alert not recorded: shutting down");
        }
        return problem(hit, p.vaultName(), host, service);
    }

    /** The problem an agent gets: names the decoy's name and location, never its value. */
    static ProxyProblem problem(DecoyMatcher.Hit hit, String vault, String host, @Nullable String service) {
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("vault", vault);
        if (service != null) {
            extras.put("service", service);
        }
        return new ProxyProblem(ErrorType.DECOY_CREDENTIAL_USED, "the request to " + host + " carries the decoy credential "
                + hit.decoy().name() + " (in the " + (hit.header() == null ? hit.location().word() : "header " + hit.header())
                + "). It is bound to no service and nothing was forwarded; its use was reported to the operators.", extras);
    }
}
