package dev.keyway.server;

import dev.keyway.core.crypto.Aad;
import dev.keyway.core.crypto.MasterKey;
import dev.keyway.core.crypto.Tokens;
import dev.keyway.core.fs.OwnerOnly;
import dev.keyway.core.local.DataDir;
import dev.keyway.core.local.ServerInfo;
import dev.keyway.proxy.ProxyConfig;
import dev.keyway.proxy.ProxyServer;
import dev.keyway.proxy.net.AddressGuard;
import dev.keyway.proxy.net.AddressGuardConfig;
import dev.keyway.proxy.tls.CertificateAuthority;
import dev.keyway.proxy.tls.LeafCache;
import dev.keyway.proxy.tls.LeafMinter;
import dev.keyway.proxy.tls.UpstreamTrust;
import dev.keyway.server.api.AdminRoutes;
import dev.keyway.server.api.AgentRoutes;
import dev.keyway.server.api.AuditRoutes;
import dev.keyway.server.api.AuditSource;
import dev.keyway.server.api.AwsRoutes;
import dev.keyway.server.api.DiscoverRoutes;
import dev.keyway.server.api.ExplainRoutes;
import dev.keyway.server.api.IdentityRoutes;
import dev.keyway.server.api.ServiceRoutes;
import dev.keyway.server.api.SystemRoutes;
import dev.keyway.server.api.TokenRoutes;
import dev.keyway.server.api.VaultRoutes;
import dev.keyway.server.auth.Access;
import dev.keyway.server.auth.ApiAuth;
import dev.keyway.server.aws.AwsAudit;
import dev.keyway.server.aws.AwsEnv;
import dev.keyway.server.aws.AwsGrants;
import dev.keyway.server.aws.AwsSigning;
import dev.keyway.server.http.HttpApiServer;
import dev.keyway.server.http.Router;
import dev.keyway.server.metrics.KeywayMetrics;
import dev.keyway.server.metrics.MeteredAuditSink;
import dev.keyway.server.metrics.MeteredProxyPolicy;
import dev.keyway.server.metrics.MetricsRoutes;
import dev.keyway.server.runtime.DecoyAlarm;
import dev.keyway.server.runtime.KeywayProxyPolicy;
import dev.keyway.server.api.OAuthRoutes;
import dev.keyway.server.api.SourceRoutes;
import dev.keyway.server.source.LinkedCredentials;
import dev.keyway.server.source.LinkedValues;
import dev.keyway.server.source.SourceService;
import dev.keyway.server.source.SourceTypes;
import dev.keyway.server.runtime.RuntimeState;
import dev.keyway.server.web.WebConsole;
import dev.keyway.store.Store;
import dev.keyway.store.audit.AuditLog;
import dev.keyway.store.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import dev.keyway.core.error.KeywayException;
import dev.keyway.proxy.spi.ProxyPolicy;
import dev.keyway.server.cluster.ClusterAudit;
import dev.keyway.server.cluster.ClusterConfig;
import dev.keyway.server.cluster.ClusterSync;
import dev.keyway.server.cluster.Readiness;
import dev.keyway.server.cluster.ReadyRoutes;
import dev.keyway.server.cluster.SyncGatedPolicy;
import dev.keyway.server.approval.ApprovalFeature;
import dev.keyway.server.approval.ApprovalGatedPolicy;
import dev.keyway.store.postgres.PostgresStore;
import dev.keyway.store.postgres.PostgresUrl;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Keyway instance: store, key ring, CA, runtime snapshot, control-plane API and proxy.
 * {@link #start} brings everything up in dependency order and {@link #close} takes it down in
 * reverse; a failure half-way closes what was already started.
 */
public final class KeywayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeywayServer.class);
    static final String META_INSTANCE = "instance.id";
    static final String META_CA_CERT = "ca.cert";
    static final String META_CA_KEY = "ca.key";

    private final DataDir dir;
    private final DataDirLock lock;
    private final Store store;
    private final AuditLog auditLog;
    private final AuditRecorder audit;
    private final RuntimeState runtime;
    private final HttpApiServer api;
    private final ProxyServer proxy;
    private final AtomicReference<MasterKey> master;
    private final String instanceId;
    private final @Nullable String adminTokenNotice;
    private final List<Router.RouteInfo> routes;
    private @Nullable VaultService vaultService;
    private @Nullable TokenUsage usage;
    private @Nullable ProposalFeature proposals;
    private @Nullable ApprovalFeature approvals;
    private @Nullable KeywayMetrics metrics;
    private @Nullable HttpApiServer metricsListener;
    private @Nullable ClusterSync sync;
    private @Nullable ClusterAudit clusterAudit;

    private KeywayServer(DataDir dir, DataDirLock lock, Store store, AuditLog auditLog, AuditRecorder audit, RuntimeState runtime,
            HttpApiServer api, ProxyServer proxy, AtomicReference<MasterKey> master, String instanceId,
            @Nullable String adminTokenNotice, List<Router.RouteInfo> routes) {
        this.dir = dir;
        this.lock = lock;
        this.store = store;
        this.auditLog = auditLog;
        this.audit = audit;
        this.runtime = runtime;
        this.api = api;
        this.proxy = proxy;
        this.master = master;
        this.instanceId = instanceId;
        this.adminTokenNotice = adminTokenNotice;
        this.routes = routes;
    }

    /**
     * Starts an instance. The config's master password array is wiped once the key is unlocked.
     *
     * @throws DataDirLock.InUseException when another server holds the data dir (nothing is touched then)
     */
    public static KeywayServer start(ServerConfig cfg) throws InterruptedException {
        return start(cfg, AwsEnv.system(cfg.upstreamCa(), cfg.upstreamProxy()));
    }

    /** Like {@link #start(ServerConfig)}, with the AWS environment given (tests point it at fakes). */
    public static KeywayServer start(ServerConfig cfg, AwsEnv awsEnv) throws InterruptedException {
        return start(cfg, awsEnv, Clock.systemUTC());
    }

    /**
     * Like {@link #start(ServerConfig, AwsEnv)}, with the clock given. Every server-side decision that depends on
     * the time of day reads this clock: token and session expiry and periodic renewal, proposal and approval-token
     * expiry, the login throttle, AWS credential refresh, leaf certificate validity, the proxy's failure windows
     * and the timestamps the store writes. Tests pass a clock they move by hand, so expiry needs no sleeping.
     * Network timeouts and retry back-off stay on real time: they measure waiting, not validity.
     */
    public static KeywayServer start(ServerConfig cfg, AwsEnv awsEnv, Clock clock) throws InterruptedException {
        return start(cfg, ClusterConfig.single(), awsEnv, clock);
    }

    /** A node of a cluster ({@code cluster.databaseUrl()} set) or a single node ({@link ClusterConfig#single()}). */
    public static KeywayServer start(ServerConfig cfg, ClusterConfig cluster) throws InterruptedException {
        return start(cfg, cluster, AwsEnv.system(cfg.upstreamCa(), cfg.upstreamProxy()), Clock.systemUTC());
    }

    /**
     * Like {@link #start(ServerConfig, AwsEnv, Clock)}. With a database URL the store is the shared
     * PostgreSQL database, the snapshot follows its change log ({@link ClusterSync}), the proxy
     * fails closed while the node is out of sync, and a master key other than the one that sealed
     * the database stops the start before anything listens.
     */
    public static KeywayServer start(ServerConfig cfg, ClusterConfig cluster, AwsEnv awsEnv, Clock clock)
            throws InterruptedException {
        DataDir dir = new DataDir(cfg.dataDir()).ensureExists();
        Closer closer = new Closer();
        try {
            DataDirLock lock = closer.add(DataDirLock.acquire(dir));
            PostgresUrl dbUrl = cluster.databaseUrl();
            Store store = closer.add(dbUrl != null
                    ? PostgresStore.open(dbUrl, clock, cluster.poolSize())
                    : SqliteStore.open(dir.database(), clock));
            KeyRing.Unlocked unlocked;
            try {
                unlocked = KeyRing.unlock(store, dir, cfg.masterPassword());
            } catch (KeywayException e) {
                if (dbUrl == null) {
                    throw e;
                }
                throw new KeywayException(e.type(), "this node's master key does not unlock the cluster database "
                        + dbUrl.redacted() + " (" + e.detail() + "); every node of a cluster must use the master key "
                        + "that sealed the database (the same KEYWAY_MASTER_PASSWORD, password file or master.key); "
                        + "refusing to start");
            } finally {
                if (cfg.masterPassword() != null) {
                    Arrays.fill(cfg.masterPassword(), '\0');
                }
            }
            if (unlocked.created() && unlocked.mode().equals(KeyRing.KEYFILE)) {
                log.warn("No master password given: generated a random master key in {} (mode 0600). Anyone who can read "
                        + "this file and keyway.db can decrypt the vault. Back it up; set KEYWAY_MASTER_PASSWORD on first start "
                        + "to use a password instead.", dir.masterKeyFile());
            }
            AtomicReference<MasterKey> master = new AtomicReference<>(unlocked.key());
            store.putMetaIfAbsent(META_INSTANCE, Tokens.newId("kw_").substring(3));
            String instanceId = store.meta(META_INSTANCE).orElseThrow();
            CertificateAuthority ca = loadOrCreateCa(store, master.get(), instanceId, clock);
            Files.writeString(dir.caCertificate(), ca.certificatePem(), StandardCharsets.US_ASCII);

            AuditLog auditLog = closer.add(AuditLog.open(dir.auditLog(), cfg.auditRotation(),
                    AuditChainKey.loadOrCreate(store, master.get(), instanceId)));
            var chainAtStart = AuditChainKey.checkTail(auditLog);
            KeywayMetrics metrics = closer.add(new KeywayMetrics(versionString()));
            metrics.bindAudit(auditLog);
            metrics.bindAuditChainCheck(chainAtStart.state() == dev.keyway.store.audit.AuditVerification.State.INTACT);
            AuditRecorder audit = new AuditRecorder(auditLog, cluster.clustered() ? cluster.nodeName() : null);
            RuntimeState runtime = closer.add(new RuntimeState(store));
            ClusterSync sync = store instanceof PostgresStore pg ? closer.add(ClusterSync.start(pg, runtime, clock, cluster)) : null;
            // cluster audit: ship this node's durable records to the shared table, query every node's from it (closed before the log)
            ClusterAudit clusterAudit = store instanceof PostgresStore pg
                    ? closer.add(ClusterAudit.start(pg, auditLog, cluster.nodeName(), cluster.auditRetention(), clock)) : null;
            AuditSource auditSource = clusterAudit != null ? clusterAudit : AuditSource.local(auditLog);
            if (clusterAudit != null) {
                metrics.bindAuditShipping(clusterAudit.shipper());
            }
            Readiness readiness = sync != null ? sync : Readiness.ALWAYS;
            metrics.bindReadiness(readiness);
            Runnable onChange = runtime::refresh;
            VaultService vaults = new VaultService(store, master::get, onChange);
            vaults.ensureDefaultVault();
            TokenService tokens = new TokenService(store, clock, onChange);
            if (cfg.resetAdminToken()) {
                store.putMeta(AdminRoutes.META_ADMIN_DISABLED, "false");
                Files.deleteIfExists(dir.adminTokenFile());
            }
            String notice = "true".equals(store.meta(AdminRoutes.META_ADMIN_DISABLED).orElse("false"))
                    ? "The local admin token is disabled (restart with --reset-admin-token to re-enable it)."
                    : ensureAdminToken(dir, tokens, runtime, clock, cluster.clustered());

            TokenUsage usage = closer.add(new TokenUsage(store, clock));
            // a cluster node catches up with the database when it is shown a token it does not know yet (minted by
            // another node a moment ago: a console session whose next click the balancer sent here)
            ApiAuth auth = new ApiAuth(runtime::current, clock, usage::touch, sync == null ? null : () -> {
                if (store.revision() == runtime.current().revision()) {
                    return false;
                }
                runtime.refresh();
                return true;
            });
            Router router = new Router((access, req) -> {
                switch (access) {
                    case PUBLIC, CONSOLE -> { }
                    case AUTHENTICATED -> auth.authenticate(req);
                    case OWNER -> Access.requireOwner(auth.authenticate(req));
                }
            });
            AtomicReference<String> proxyAddress = new AtomicReference<>(cfg.proxyHost() + ":" + cfg.proxyPort());
            LeafCache leaves = new LeafCache(new LeafMinter(ca, clock));
            metrics.bindLeafCache(leaves);
            MetricsRoutes metricsRoutes = new MetricsRoutes(metrics);
            metricsRoutes.apiRoutes(router, auth);
            new SystemRoutes(store, auth, ca::certificatePem, () -> status(cfg, runtime, instanceId, ca, auditLog, proxyAddress.get(), leaves,
                    cluster, readiness, clusterAudit)).routes(router);
            new ReadyRoutes(readiness, cluster.nodeName()).routes(router);
            java.util.concurrent.ExecutorService fetches = Executors.newVirtualThreadPerTaskExecutor();
            closer.add(() -> fetches.shutdownNow()); // interrupts a hung fetch instead of waiting for it
            // aws-* sources with --grant assume the grant's role through AwsGrants, which itself needs the
            // linked credentials (a grant's host credentials may be linked): bound once both exist
            java.util.concurrent.atomic.AtomicReference<AwsGrants> grantsForSources = new java.util.concurrent.atomic.AtomicReference<>();
            LinkedCredentials linked = linkedCredentials(store, vaults, clock, onChange, auditLog, fetches, awsEnv, metrics,
                    (vault, grant) -> {
                        AwsGrants g = grantsForSources.get();
                        return g == null ? SourceTypes.AwsGrantCredentials.NONE.get(vault, grant) : g.sourceCredentials(vault, grant);
                    });
            runtime.afterRefresh(linked.sources()::reconcile); // source edits made through other cluster nodes
            new SourceRoutes(linked.sources(), linked, vaults, store, auth, audit).routes(router);
            new OAuthRoutes(oauthCredentials(store, vaults, clock, auditLog, linked, closer), vaults, store, auth, audit)
                    .routes(router);
            new VaultRoutes(vaults, auth, audit, linked).routes(router);
            new dev.keyway.server.api.DecoyRoutes(store, vaults, auth, audit, onChange, clock).routes(router);
            new ServiceRoutes(store, vaults, auth, audit, onChange).routes(router);
            new TokenRoutes(tokens, vaults, auth, audit).routes(router);
            // sign-in attempts are counted in the store: one budget per client address for the whole cluster
            IdentityRoutes identity = new IdentityRoutes(store, vaults, tokens, auth, audit,
                    new dev.keyway.server.auth.SignInThrottle(store, "login", dev.keyway.server.auth.SignInThrottle.DEFAULT), onChange);
            identity.routes(router);
            new AgentRoutes(store, vaults, tokens, auth, audit, onChange).routes(router);
            new DiscoverRoutes(runtime::current, auth, proxyAddress::get, store).routes(router);
            new AuditRoutes(auditLog, auditSource, vaults, auth).routes(router);
            new AdminRoutes(store, dir, master, vaults, tokens, auth, audit, instanceId).routes(router);
            AwsAudit awsAudit = new AwsAudit(auditLog);
            AwsGrants awsGrants = new AwsGrants(store, vaults, awsEnv, awsAudit, Executors.newVirtualThreadPerTaskExecutor(), clock)
                    .withLinked(linked);
            grantsForSources.set(awsGrants);
            new AwsRoutes(store, vaults, auth, audit, awsGrants, awsAudit, runtime::current, onChange).routes(router);
            new dev.keyway.server.api.LimitRoutes(store, vaults, auth, audit, runtime::current, onChange).routes(router);
            new dev.keyway.server.api.GitHubRunScopeRoutes(store, auth, audit, runtime::current, onChange, clock).routes(router);
            AwsSigning awsSigning = new AwsSigning(awsGrants.cache(), awsAudit, clock);
            new ExplainRoutes(runtime::current, auth, clock, awsSigning::match).routes(router);
            ProposalFeature proposals = closer.add(ProposalFeature.install(router, store, vaults, tokens, auth, audit, runtime::current, onChange, clock));
            ApprovalFeature approvals = closer.add(ApprovalFeature.install(router, store, vaults, auth, audit,
                    m -> auditLog.append(m, true).exceptionally(t -> null), proposals.notifier()::approvalRequested,
                    proposals::baseUrl, cluster.nodeName(), clock, () -> runtime.current().revision()));
            WebConsole.install(router, store, auth, runtime::current, identity, auditSource, audit, dir.root(),
                    "http://" + cfg.apiHost() + ":" + (cfg.apiPort() == 0 ? ServerConfig.DEFAULT_API_PORT : cfg.apiPort()), clock,
                    cluster.clustered() ? cluster.nodeName() : null);

            HttpApiServer api = closer.add(HttpApiServer.start(cfg.apiHost(), cfg.apiPort(), router, 1024 * 1024, cfg.apiLimits()));
            proposals.start(cfg.apiHost(), api.port());

            ProxyConfig pc = ProxyConfig.builder()
                    .bind(cfg.proxyHost(), cfg.proxyPort())
                    .upstreamTrust(UpstreamTrust.create(cfg.upstreamCa()))
                    .upstreamProxy(cfg.upstreamProxy() == null ? null : java.net.URI.create(cfg.upstreamProxy()))
                    .connectionLimits(cfg.proxyConnections())
                    // a cluster promises revoked tokens' open connections close within a second on every node
                    .principalRecheckInterval(cluster.clustered() ? Duration.ofMillis(200) : Duration.ofSeconds(2))
                    .clock(clock)
                    .build();
            AddressGuard guard = new AddressGuard(new AddressGuardConfig(cfg.allowPrivateUpstreams(), cfg.allowCidrs()));
            java.util.concurrent.ExecutorService alarms = Executors.newVirtualThreadPerTaskExecutor();
            closer.add(() -> alarms.shutdown());
            DecoyAlarm decoyAlarm = new DecoyAlarm(audit::alert, proposals.notifier()::decoyUsed,
                    (tokenId, why) -> store.tokenById(tokenId).filter(t -> !t.revoked()).ifPresent(tokens::revoke), alarms, clock);
            ProxyPolicy keywayPolicy = new ApprovalGatedPolicy(
                    new KeywayProxyPolicy(runtime::current, vaults, clock, awsSigning, usage::touch, linked, decoyAlarm),
                    runtime::current, approvals.service());
            // rate limits: exact in memory on one node; a cluster node leases tokens from the shared bucket (issue 12 §4).
            // Outside the approval gate: a request over its limit is refused before a human is asked.
            dev.keyway.server.limit.Buckets buckets = sync != null
                    ? new dev.keyway.server.limit.LeasedBuckets(store, fetches, clock)
                    : new dev.keyway.server.limit.LocalBuckets(clock);
            ProxyPolicy limited = new dev.keyway.server.limit.RateLimitedPolicy(keywayPolicy, runtime::current,
                    new dev.keyway.server.limit.RateLimiter(buckets));
            ProxyPolicy gated = sync != null ? new SyncGatedPolicy(limited, sync) : limited;
            ProxyPolicy policy = new MeteredProxyPolicy(gated, metrics.registry());
            ProxyServer proxy = closer.add(ProxyServer.start(pc, policy,
                    new MeteredAuditSink(audit, metrics.registry()), leaves, guard));
            metrics.bindProxy(proxy);
            HttpApiServer metricsListener = null;
            if (cfg.metricsHost() != null) {
                metricsListener = closer.add(HttpApiServer.start(cfg.metricsHost(), cfg.metricsPort(), metricsRoutes.listenerRouter(),
                        1024, cfg.apiLimits()));
                String warning = MetricsRoutes.exposureWarning(cfg.metricsHost(), metricsListener.port());
                if (warning != null) {
                    log.warn(warning);
                }
            }
            proxyAddress.set(cfg.proxyHost() + ":" + proxy.port());

            KeywayServer server = new KeywayServer(dir, lock, store, auditLog, audit, runtime, api, proxy, master, instanceId, notice,
                    router.routes());
            server.vaultService = vaults;
            server.usage = usage;
            server.proposals = proposals;
            server.approvals = approvals;
            server.metrics = metrics;
            server.metricsListener = metricsListener;
            server.sync = sync;
            server.clusterAudit = clusterAudit;
            server.writeServerInfo(cfg);
            audit.system("server.start", Map.of("api_port", api.port(), "proxy_port", proxy.port()));
            return server;
        } catch (IOException e) {
            closer.closeQuietly();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | InterruptedException e) {
            closer.closeQuietly();
            throw e;
        }
    }

    /** Loads the CA, or creates it in one transaction so nodes starting together agree on one CA. */
    private static CertificateAuthority loadOrCreateCa(Store store, MasterKey master, String instanceId, Clock clock) {
        return store.atomically(s -> loadOrCreateCaInTx(s, master, instanceId, clock));
    }

    private static CertificateAuthority loadOrCreateCaInTx(Store store, MasterKey master, String instanceId, Clock clock) {
        var cert = store.meta(META_CA_CERT);
        var key = store.meta(META_CA_KEY);
        if (cert.isPresent() && key.isPresent()) {
            byte[] der = master.open(Base64.getDecoder().decode(key.get()), Aad.caKey(instanceId));
            try {
                return CertificateAuthority.load(cert.get(), der);
            } finally {
                Arrays.fill(der, (byte) 0);
            }
        }
        CertificateAuthority ca = CertificateAuthority.generate(instanceId, clock);
        byte[] der = ca.privateKeyPkcs8Der();
        try {
            store.putMeta(META_CA_KEY, Base64.getEncoder().encodeToString(master.seal(der, Aad.caKey(instanceId))));
            store.putMeta(META_CA_CERT, ca.certificatePem());
        } finally {
            Arrays.fill(der, (byte) 0);
        }
        log.info("Generated the Keyway CA ({}); clients trust it via 'keyway ca export'", ca.fingerprintSha256());
        return ca;
    }

    /**
     * Makes sure the admin-token file holds a valid admin token; mints one if not (first start, or
     * the file was deleted). Whoever can read the data dir can do this anyway, so this is no escalation.
     */
    private static @Nullable String ensureAdminToken(DataDir dir, TokenService tokens, RuntimeState runtime, Clock clock,
            boolean clustered) throws IOException {
        if (Files.exists(dir.adminTokenFile())) {
            String t = Files.readString(dir.adminTokenFile(), StandardCharsets.UTF_8).strip();
            if (runtime.current().tokens().verify(t, clock.instant()) instanceof TokenIndex.Result.Valid v
                    && v.token().type().equals("admin")) {
                return null;
            }
        }
        // in a cluster each node keeps its own copy: minting one must not revoke the other nodes' tokens
        TokenService.Issued admin = clustered ? tokens.mintAdmin("system") : tokens.rotateAdmin("system");
        OwnerOnly.writeAtomically(dir.adminTokenFile(), admin.token() + "\n");
        return "Wrote a new admin token to " + dir.adminTokenFile() + " (mode 0600); the CLI on this machine uses it.";
    }

    private static Map<String, Object> status(ServerConfig cfg, RuntimeState runtime, String instanceId, CertificateAuthority ca,
            AuditLog auditLog, String proxyAddress, LeafCache leaves, ClusterConfig cluster, Readiness readiness,
            @Nullable ClusterAudit clusterAudit) {
        var snap = runtime.current();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance_id", instanceId);
        m.put("version", versionString());
        m.put("data_dir", cfg.dataDir().toAbsolutePath().toString());
        m.put("proxy", proxyAddress);
        m.put("store", cluster.clustered() ? "postgresql" : "sqlite");
        m.put("node", cluster.nodeName());
        m.put("sync", Map.of("state", readiness.state().name().toLowerCase(java.util.Locale.ROOT), "lag_ms", readiness.lag().toMillis()));
        m.put("vaults", snap.byName().size());
        m.put("services", snap.byName().values().stream().mapToInt(v -> v.services().size()).sum());
        m.put("ca_fingerprint", ca.fingerprintSha256());
        m.put("audit", auditLog.healthy() ? "ok" : "failing");
        if (clusterAudit != null) {
            m.put("audit_shipping", clusterAudit.status());
        }
        m.put("leaf_cache", Map.of("size", leaves.size(), "mints", leaves.mints(), "hits", leaves.hits()));
        return m;
    }

    static String versionString() {
        String v = KeywayServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private void writeServerInfo(ServerConfig cfg) throws IOException {
        ServerInfo.of(cfg.apiHost(), api.port(), cfg.proxyHost(), proxy.port(), ProcessHandle.current().pid()).write(dir.serverInfo());
    }

    public int apiPort() {
        return api.port();
    }

    public int proxyPort() {
        return proxy.port();
    }

    /** The port of the separate metrics listener, or -1 when it is off. */
    public int metricsPort() {
        return metricsListener == null ? -1 : metricsListener.port();
    }

    public String instanceId() {
        return instanceId;
    }

    public DataDir dataDir() {
        return dir;
    }

    public RuntimeState runtime() {
        return runtime;
    }

    /** The cluster sync of a PostgreSQL node, or null for a single node. */
    public @Nullable ClusterSync clusterSync() {
        return sync;
    }

    /** The vault service, for tests that must check decryption directly (the API never returns values). */
    public VaultService vaultServiceForTests() {
        return java.util.Objects.requireNonNull(vaultService);
    }

    /** A one-line notice for the operator about a newly written admin token, or null. */
    /** Every control-plane route with its declared access (the authorization matrix test iterates it). */
    public List<Router.RouteInfo> routes() {
        return routes;
    }

    public @Nullable String adminTokenNotice() {
        return adminTokenNotice;
    }

    @Override
    public void close() {
        audit.system("server.stop", Map.of());
        if (approvals != null) {
            approvals.close(); // held requests are recorded cancelled while the store is still open
        }
        if (proposals != null) {
            proposals.close();
        }
        try {
            proxy.close();
        } catch (RuntimeException e) {
            log.warn("proxy shutdown: {}", e.toString());
        }
        api.close();
        if (metricsListener != null) {
            metricsListener.close();
        }
        if (sync != null) {
            sync.close();
        }
        runtime.close();
        if (usage != null) {
            usage.close();
        }
        if (clusterAudit != null) {
            clusterAudit.close(); // ships the last durable records while the log and the store are still open
        }
        auditLog.close();
        if (metrics != null) {
            metrics.close();
        }
        store.close();
        MasterKey k = master.get();
        if (k != null) {
            k.wipe();
        }
        try {
            Files.deleteIfExists(dir.serverInfo());
        } catch (IOException ignored) {
            // best effort
        }
        lock.close(); // last: until here the data dir is ours
    }

    /** Closes what start() had opened when a later step fails. */
    private static final class Closer {
        private final java.util.ArrayDeque<AutoCloseable> opened = new java.util.ArrayDeque<>();

        <T extends AutoCloseable> T add(T c) {
            opened.push(c);
            return c;
        }

        void closeQuietly() {
            while (!opened.isEmpty()) {
                try {
                    opened.pop().close();
                } catch (Exception e) {
                    log.debug("cleanup: {}", e.toString());
                }
            }
        }
    }

    /**
     * Credential sources (issue 10): the source service, the in-memory cache of linked values
     * (fetches on virtual threads of {@code fetches}, never on an event loop) and the audit of
     * fetches and uses. Fetch outcomes update the source's health and are logged and audited
     * (source, reference, version or error; never a value).
     */
    private static LinkedCredentials linkedCredentials(Store store, VaultService vaults, Clock clock, Runnable onChange,
            AuditLog auditLog, java.util.concurrent.ExecutorService fetches, AwsEnv awsEnv, KeywayMetrics metrics,
            SourceTypes.AwsGrantCredentials grants) {
        SourceService sources = new SourceService(store, vaults, new SourceTypes.Deps(clock, System::getenv, awsEnv, grants), onChange);
        LinkedValues values = new LinkedValues(clock, fetches, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                (key, version, failure) -> {
                    metrics.sourceFetched(key.source(), failure);
                    if (!key.source().equals(dev.keyway.store.OAuthRecord.SOURCE)) {
                        sources.recordHealth(key.source(), failure);
                    }
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("type", "source-fetch");
                    m.put("time", clock.instant().toString());
                    m.put("source", key.source());
                    m.put("ref", key.ref());
                    m.put("ok", failure == null);
                    if (failure == null) {
                        m.put("version", version);
                    } else {
                        m.put("error", failure.describe());
                        log.warn("source {}: fetching {} failed: {}", key.source(), key.ref(), failure.describe());
                    }
                    auditLog.append(m, false).exceptionally(t -> null);
                }, LinkedValues.DEFAULT_MAX_ENTRIES);
        sources.attach(values);
        metrics.bindLinkedValues(values);
        sources.openAll();
        return new LinkedCredentials(sources, values, m -> auditLog.append(m, false).exceptionally(t -> null));
    }

    /**
     * OAuth-minted credentials (issue 12), sharing the linked-value cache; a credential the
     * authorization server rejects is logged, audited ({@code oauth-broken}) and told to webhooks
     * ({@code credential.broken}).
     */
    private static dev.keyway.server.source.OAuthCredentials oauthCredentials(Store store, VaultService vaults, Clock clock,
            AuditLog auditLog, LinkedCredentials linked, Closer closer) {
        dev.keyway.server.webhook.WebhookNotifier hooks = closer.add(new dev.keyway.server.webhook.WebhookNotifier(store, clock,
                dev.keyway.server.webhook.WebhookNotifier.DEFAULT_RETRY_DELAYS));
        dev.keyway.server.source.OAuthCredentials oauth = new dev.keyway.server.source.OAuthCredentials(store, vaults, clock, b -> {
            log.warn("OAuth credential {}/{} is broken: {}", b.vault(), b.credential(), b.detail());
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("type", "oauth-broken");
            m.put("time", clock.instant().toString());
            m.put("vault", b.vault());
            m.put("credential", b.credential());
            m.put("grant", b.grant());
            m.put("token_url", b.tokenUrl());
            m.put("detail", b.detail());
            auditLog.append(m, false).exceptionally(t -> null);
            hooks.notifyAll(format -> dev.keyway.server.webhook.WebhookPayloads.credentialBroken(format, b.vault(),
                    b.credential(), b.tokenUrl(), b.detail()));
        });
        linked.attach(oauth);
        oauth.loadBroken();
        return oauth;
    }
}
