package dev.keyway.server.runtime;

import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.VaultMatcher;
import dev.keyway.server.TokenIndex;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.AwsGrantRecord;
import dev.keyway.store.GrantRecord;
import dev.keyway.store.UserRecord;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.ServiceRecord;
import dev.keyway.store.Store;
import dev.keyway.store.VaultRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the current {@link Snapshot}. Writers call {@link #refresh()} after a change; a background
 * poll of {@link Store#revision()} also picks up changes made by other processes. Readers call
 * {@link #current()}, a volatile read with no locking, so the proxy never waits on a rebuild.
 */
public final class RuntimeState implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuntimeState.class);

    private final Store store;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private final ReentrantLock rebuild = new ReentrantLock();
    private final ScheduledExecutorService poller;
    private final List<Runnable> afterRefresh = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RuntimeState(Store store) {
        this.store = store;
        refresh();
        this.poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("snapshot-poll").factory());
        poller.scheduleWithFixedDelay(this::pollRevision, 2, 2, TimeUnit.SECONDS);
    }

    /**
     * Runs {@code listener} after every rebuild (on the rebuilding thread: a writer's or the
     * revision poll's, never a proxy event loop), so state kept outside the snapshot, such as the
     * opened credential sources, follows changes made by other processes of a cluster too.
     */
    public void afterRefresh(Runnable listener) {
        afterRefresh.add(listener);
    }

    public Snapshot current() {
        return current.get();
    }

    /** Rebuilds the snapshot from the store and swaps it in atomically. */
    public void refresh() {
        rebuild.lock();
        try {
            long rev = store.revision();
            Map<String, VaultRuntime> byName = new HashMap<>();
            Map<String, VaultRuntime> byId = new HashMap<>();
            for (VaultRecord v : store.listVaults()) {
                VaultRuntime vr = build(v);
                byName.put(v.name(), vr);
                byId.put(v.id(), vr);
            }
            Map<String, AgentRecord> agents = new HashMap<>();
            store.listAgents().forEach(a -> agents.put(a.id(), a));
            Map<String, UserRecord> users = new HashMap<>();
            store.listUsers().forEach(u -> users.put(u.id(), u));
            Map<String, Map<String, VaultRole>> grants = new HashMap<>();
            for (GrantRecord g : store.allGrants()) {
                grants.computeIfAbsent(g.subjectId(), k -> new HashMap<>()).put(g.vaultId(), VaultRole.parse(g.role()));
            }
            grants.replaceAll((k, v) -> Map.copyOf(v));
            Map<String, Snapshot.AwsRunScope> runScopes = new HashMap<>();
            for (dev.keyway.store.AwsRunScopeRecord r : store.listAwsRunScopes()) {
                dev.keyway.server.aws.RunScope scope = dev.keyway.server.aws.RunScope.fromStored(r.policy(), r.tagsJson());
                if (scope != null) {
                    runScopes.put(r.tokenId(), new Snapshot.AwsRunScope(r.grantName(), scope));
                }
            }
            Map<String, List<dev.keyway.store.LimitRecord>> limits = new HashMap<>();
            for (dev.keyway.store.LimitRecord l : store.listLimits(null)) {
                limits.computeIfAbsent(l.vaultId(), k -> new ArrayList<>()).add(l);
            }
            limits.replaceAll((k, v) -> List.copyOf(v));
            Map<String, dev.keyway.core.oauth.GitHubNarrowing> githubScopes = new HashMap<>();
            for (dev.keyway.store.GitHubRunScopeRecord r : store.listGitHubRunScopes()) {
                dev.keyway.core.oauth.GitHubNarrowing n = dev.keyway.core.oauth.GitHubNarrowing.fromStored(r.repositoriesJson(),
                        r.permissionsJson());
                if (n != null) {
                    githubScopes.put(r.tokenId(), n);
                }
            }
            java.util.Set<String> githubApps = new java.util.HashSet<>();
            for (dev.keyway.store.OAuthRecord o : store.listOAuthCredentials()) {
                if (dev.keyway.server.source.OAuthCredentials.isGitHubApp(o)) {
                    githubApps.add(o.vaultId() + "/" + o.name());
                }
            }
            current.set(new Snapshot(rev, byName, byId, TokenIndex.of(store.listTokens(null)), agents, users, grants,
                    runScopes, limits, githubScopes, githubApps));
        } finally {
            rebuild.unlock();
        }
        for (Runnable r : afterRefresh) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("a listener of snapshot rebuilds failed: {}", e.toString());
            }
        }
    }

    private VaultRuntime build(VaultRecord v) {
        List<ServiceDefinition> defs = new ArrayList<>();
        Map<String, ServiceDefinition> byName = new LinkedHashMap<>();
        Map<String, String> broken = new LinkedHashMap<>();
        for (ServiceRecord r : store.listServices(v.id())) {
            try {
                ServiceDefinition d = ServiceSpecs.parse(r.specJson()).withEnabled(r.enabled());
                defs.add(d);
                byName.put(d.name(), d);
            } catch (RuntimeException e) {
                broken.put(r.name(), e.getMessage());
                log.error("service {} in vault {} cannot be loaded and is ignored (requests to it are not injected): {}",
                        r.name(), v.name(), e.getMessage());
            }
        }
        Map<String, CredentialRecord> creds = new HashMap<>();
        for (CredentialRecord c : store.listCredentials(v.id())) {
            creds.put(c.name(), c);
        }
        List<AwsGrantRecord> sign = store.listAwsGrants(v.id()).stream().filter(g -> g.mode().equals("sign")).toList();
        dev.keyway.core.decoy.DecoyMatcher decoys = dev.keyway.core.decoy.DecoyMatcher.of(store.listDecoys(v.id()).stream()
                .map(d -> new dev.keyway.core.decoy.DecoyMatcher.Decoy(d.name(), d.value(), d.revokeOnUse())).toList());
        return new VaultRuntime(v, VaultMatcher.compile(defs), byName, creds, broken, sign, decoys);
    }

    private void pollRevision() {
        try {
            Snapshot s = current.get();
            if (s == null || store.revision() != s.revision()) {
                refresh();
            }
        } catch (RuntimeException e) {
            log.warn("could not check the store for changes: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
