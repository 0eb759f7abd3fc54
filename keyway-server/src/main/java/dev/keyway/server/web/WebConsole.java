package dev.keyway.server.web;

import dev.keyway.server.api.AuditTrail;
import dev.keyway.server.api.IdentityRoutes;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.auth.SignInThrottle;
import dev.keyway.server.http.Router;
import dev.keyway.server.runtime.Snapshot;
import dev.keyway.store.Store;
import dev.keyway.store.audit.AuditLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The operators' web console at {@code /}: wires the pages into the control plane's router. Every
 * page calls the API in process as the signed-in user (see {@link InProcessApi}), so this class
 * holds only what the API cannot give a browser: the session check, the first-run setup code, the
 * live audit tail for the traffic page, and static assets. See docs/ui.md.
 */
public final class WebConsole {
    /** Meta key of the unmatched-host policy given to new vaults (see {@code VaultService}). */
    public static final String META_DEFAULT_UNMATCHED = dev.keyway.server.VaultService.META_DEFAULT_UNMATCHED;

    private final SetupCode setupCode;

    private WebConsole(SetupCode setupCode) {
        this.setupCode = setupCode;
    }

    /**
     * Registers the console's routes on {@code router} (which must also hold the API routes).
     *
     * @param consoleUrl where operators reach the console, for the first-run message
     */
    public static WebConsole install(Router router, Store store, ApiAuth auth, Supplier<Snapshot> snapshot, IdentityRoutes identity,
            AuditLog audit, AuditTrail trail, Path dataDir, String consoleUrl, Clock clock) {
        return install(router, store, auth, snapshot, identity, dev.keyway.server.api.AuditSource.local(audit), trail, dataDir,
                consoleUrl, clock);
    }

    /** As above, with the traffic page reading {@code audit} (every node's records on a cluster node). */
    public static WebConsole install(Router router, Store store, ApiAuth auth, Supplier<Snapshot> snapshot, IdentityRoutes identity,
            dev.keyway.server.api.AuditSource audit, AuditTrail trail, Path dataDir, String consoleUrl, Clock clock) {
        return install(router, store, auth, snapshot, identity, audit, trail, dataDir, consoleUrl, clock, null);
    }

    /**
     * As above, on a node of a PostgreSQL cluster named {@code clusterNode} (null on a single node):
     * the first-run setup code made by the first node is valid on every node.
     */
    public static WebConsole install(Router router, Store store, ApiAuth auth, Supplier<Snapshot> snapshot, IdentityRoutes identity,
            dev.keyway.server.api.AuditSource audit, AuditTrail trail, Path dataDir, String consoleUrl, Clock clock,
            @Nullable String clusterNode) {
        InProcessApi api = new InProcessApi(router);
        Guard guard = new Guard(auth, api);
        SetupCode code = SetupCode.start(store, clusterNode, dataDir, consoleUrl);
        identity.whenOwnerCreated(code::consume);
        Supplier<String> defaultPolicy = () -> store.meta(META_DEFAULT_UNMATCHED).orElse("tunnel");
        new Assets().routes(router);
        new AuthPages(store, auth, identity, api, guard, code, new SignInThrottle(store, "setup", SignInThrottle.DEFAULT)).routes(router);
        new VaultPages(guard, snapshot, defaultPolicy).routes(router);
        new CredentialPages(guard).routes(router);
        new ServicePages(guard).routes(router);
        new AgentPages(guard).routes(router);
        new TrafficPages(guard, new TrafficFeed(audit, snapshot)).routes(router);
        new AuditPages(guard).routes(router);
        new SettingsPages(guard, store, trail).routes(router);
        new ProposalPages(guard).routes(router);
        new ApprovalPages(guard).routes(router);
        return new WebConsole(code);
    }

    /** The first-run setup code while no owner exists (it is also printed at start-up), else null. */
    public @Nullable String setupCode() {
        return setupCode.current();
    }
}
