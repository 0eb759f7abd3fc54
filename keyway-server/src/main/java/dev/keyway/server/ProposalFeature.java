package dev.keyway.server;

import dev.keyway.server.api.AuditTrail;
import dev.keyway.server.api.ProposalRoutes;
import dev.keyway.server.api.SkillRoutes;
import dev.keyway.server.api.WebhookRoutes;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.http.Router;
import dev.keyway.server.proposal.ProposalLimits;
import dev.keyway.server.proposal.ProposalService;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.server.webhook.WebhookNotifier;
import dev.keyway.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the proposal workflow into a server: the proposal, webhook and skill routes, the webhook
 * notifier and the periodic expiry sweep. {@link #install} runs while routes are registered;
 * {@link #start} once the API port is known (approval links point at it); {@link #close} stops the
 * background work before the store closes.
 *
 * <p>Approval links use {@code KEYWAY_PUBLIC_URL} when set (e.g. behind a reverse proxy), else
 * {@code http://<api host>:<port>} (a wildcard bind address becomes 127.0.0.1).
 */
public final class ProposalFeature implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProposalFeature.class);
    static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

    private final ProposalService proposals;
    private final WebhookNotifier notifier;
    private final AtomicReference<String> baseUrl;
    private @Nullable ScheduledExecutorService sweeper;

    private ProposalFeature(ProposalService proposals, WebhookNotifier notifier, AtomicReference<String> baseUrl) {
        this.proposals = proposals;
        this.notifier = notifier;
        this.baseUrl = baseUrl;
    }

    public static ProposalFeature install(Router router, Store store, VaultService vaults, TokenService tokens, ApiAuth auth,
            AuditTrail trail, Supplier<Snapshot> snapshot, Runnable onChange, Clock clock) {
        AtomicReference<String> base = new AtomicReference<>("http://127.0.0.1:" + ServerConfig.DEFAULT_API_PORT);
        WebhookNotifier notifier = new WebhookNotifier(store, clock, WebhookNotifier.DEFAULT_RETRY_DELAYS);
        ProposalService proposals = new ProposalService(store, vaults, tokens, clock, onChange, ProposalLimits.DEFAULT,
                base::get, notifier);
        new ProposalRoutes(proposals, vaults, snapshot, auth, trail).routes(router);
        new WebhookRoutes(store, notifier, auth, trail).routes(router);
        new SkillRoutes().routes(router);
        return new ProposalFeature(proposals, notifier, base);
    }

    /** Sets the base of approval links and starts the expiry sweep. */
    public void start(String apiHost, int apiPort) {
        baseUrl.set(publicUrl(System.getenv("KEYWAY_PUBLIC_URL"), apiHost, apiPort));
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("proposal-sweep").factory());
        s.scheduleWithFixedDelay(this::sweep, SWEEP_INTERVAL.toSeconds(), SWEEP_INTERVAL.toSeconds(), TimeUnit.SECONDS);
        sweeper = s;
    }

    static String publicUrl(@Nullable String configured, String apiHost, int apiPort) {
        if (configured != null && !configured.isBlank()) {
            String u = configured.strip();
            return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        }
        String host = apiHost.equals("0.0.0.0") || apiHost.equals("::") || apiHost.isBlank() ? "127.0.0.1" : apiHost;
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + apiPort;
    }

    private void sweep() {
        try {
            int n = proposals.sweep();
            if (n > 0) {
                log.info("expired {} proposal(s) that were not reviewed in time", n);
            }
        } catch (RuntimeException e) {
            log.warn("proposal expiry sweep failed: {}", e.toString());
        }
    }

    public ProposalService proposals() {
        return proposals;
    }

    /** The base URL of links sent to humans (console, approval links). */
    public String baseUrl() {
        return baseUrl.get();
    }

    public WebhookNotifier notifier() {
        return notifier;
    }

    @Override
    public void close() {
        ScheduledExecutorService s = sweeper;
        if (s != null) {
            s.shutdownNow();
        }
        notifier.close();
    }
}
