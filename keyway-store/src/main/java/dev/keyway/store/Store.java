package dev.keyway.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Everything Keyway persists, behind one interface so SQLite (embedded default) and PostgreSQL
 * (scale-out) are two implementations of the same contract.
 *
 * <p>Rules every implementation follows:
 * <ul>
 *   <li>Each method is one transaction; a failure leaves nothing half-written.</li>
 *   <li>Expected failures are {@link dev.keyway.core.error.KeywayException}s: {@code CONFLICT} for a
 *       duplicate name, {@code NOT_FOUND} for a missing parent. Database outages surface as
 *       {@link StoreException} (mapped to 503 {@code store-unavailable}).</li>
 *   <li>Every write to vaults, credentials, services or tokens increments {@link #revision()} in
 *       the same transaction, so a server can cheaply notice changes made by another process and
 *       rebuild its in-memory snapshots.</li>
 *   <li>Secret values only ever pass through as ciphertext ({@code byte[]}).</li>
 * </ul>
 */
public interface Store extends AutoCloseable {

    // ---- instance metadata (instance id, key-ring header, CA certificate and wrapped CA key) ----

    Optional<String> meta(String key);

    void putMeta(String key, String value);

    /** Sets the value only if the key is absent; returns true if this call set it. */
    boolean putMetaIfAbsent(String key, String value);

    /** Removes the entry; returns true if there was one (and only then bumps the revision). */
    boolean deleteMeta(String key);

    /** Monotonic change counter (see class doc). */
    long revision();

    /** Cheap liveness check of the database (used by {@code GET /health}). */
    boolean ping();

    // ---- vaults ----

    /** Creates a vault with a fresh id; CONFLICT if the name exists. */
    VaultRecord createVault(String name, byte[] wrappedKey, String actor);

    List<VaultRecord> listVaults();

    Optional<VaultRecord> vaultByName(String name);

    Optional<VaultRecord> vaultById(String id);

    /** Deletes the vault and everything in it (credentials, services, tokens bound to it). */
    boolean deleteVault(String id);

    /** Sets the unmatched-host policy ({@code tunnel}, {@code intercept} or {@code deny}). */
    void setUnmatchedPolicy(String vaultId, String policy);

    /**
     * Master-key rotation: replaces every vault's wrapped key with {@code rewrap.apply(vault)} and
     * applies {@code metaUpdates}, all in one transaction (all or nothing).
     */
    void rewrapVaultKeys(Function<VaultRecord, byte[]> rewrap, Map<String, String> metaUpdates);

    // ---- credentials ----

    /**
     * Creates or updates a credential. The implementation determines the next version number
     * inside the transaction and calls {@code encryptForVersion} with it, because the ciphertext's
     * associated data includes the version. A null description keeps the existing one on update.
     */
    CredentialRecord putCredential(
            String vaultId, String name, @org.jspecify.annotations.Nullable String description, String actor,
            IntFunction<byte[]> encryptForVersion);

    List<CredentialRecord> listCredentials(String vaultId);

    Optional<CredentialRecord> credential(String vaultId, String name);

    boolean deleteCredential(String vaultId, String name);

    // ---- decoy credentials (issue 13 §7) ----

    /** Inserts a decoy; a name taken by a decoy or a credential of the vault is a conflict. Bumps the revision. */
    DecoyRecord insertDecoy(DecoyRecord decoy);

    /** The vault's decoys by name. */
    List<DecoyRecord> listDecoys(String vaultId);

    /** Removes a decoy; false when there is none by that name. */
    boolean deleteDecoy(String vaultId, String name);

    // ---- services (spec is the service definition as JSON, parsed only when snapshots are rebuilt) ----

    /** Inserts (at the end of the declaration order) or updates in place (keeping its position). */
    ServiceRecord putService(String vaultId, String name, String specJson, boolean enabled, String actor);

    /** Services of a vault in declaration order. */
    List<ServiceRecord> listServices(String vaultId);

    Optional<ServiceRecord> service(String vaultId, String name);

    boolean deleteService(String vaultId, String name);

    boolean setServiceEnabled(String vaultId, String name, boolean enabled, String actor);

    /**
     * Declarative apply: after this call the vault has exactly {@code services}, in this order,
     * atomically. Existing services keep their creation time.
     */
    void replaceServices(String vaultId, List<ServiceSpec> services, String actor);

    /** Input to {@link #replaceServices}. */
    record ServiceSpec(String name, String specJson, boolean enabled) {}

    // ---- tokens (only hashes are stored) ----

    void insertToken(TokenRecord token);

    Optional<TokenRecord> tokenByHash(byte[] hash);

    Optional<TokenRecord> tokenById(String id);

    Optional<TokenRecord> tokenByAccessor(String accessor);

    /** All tokens, or only those bound to the vault when {@code vaultId} is non-null. */
    List<TokenRecord> listTokens(@org.jspecify.annotations.Nullable String vaultId);

    boolean revokeToken(String id);

    /** Sets a new expiry (renewal). */
    boolean updateTokenExpiry(String id, Instant expiresAt);

    /** Batched last-use update (written asynchronously by the server, never on the proxy path). */
    void touchTokens(Map<String, Instant> lastUsed);


    // ---- transactions ----

    /**
     * Runs {@code work} in one transaction: every Store call it makes (on the store passed in) commits
     * or rolls back together. Used where one user action touches several tables (approving a
     * proposal). Calls may not nest across threads; the work must not block on other threads.
     */
    <T> T atomically(Function<Store, T> work);

    // ---- users (humans) ----

    /** Creates a user; CONFLICT if the e-mail (case-insensitive) exists. */
    UserRecord createUser(String email, String passwordHash, String role);

    Optional<UserRecord> userByEmail(String email);

    Optional<UserRecord> userById(String id);

    List<UserRecord> listUsers();

    boolean updateUserPassword(String userId, String passwordHash);

    /** Disables or re-enables a user; false if there is no such user or it already was in that state. */
    boolean setUserDisabled(String userId, boolean disabled);

    // ---- agents (non-human identities) ----

    /** Creates an agent; CONFLICT if the name exists. {@code services} is a comma-separated subset or null for all. */
    AgentRecord createAgent(String name, @org.jspecify.annotations.Nullable String services, String actor);

    Optional<AgentRecord> agentByName(String name);

    Optional<AgentRecord> agentById(String id);

    List<AgentRecord> listAgents();

    boolean setAgentRevoked(String agentId, boolean revoked);

    /** Replaces the agent's service subset ({@code null}: all services); false if no such agent. */
    boolean setAgentServices(String agentId, @org.jspecify.annotations.Nullable String services);

    /** Deletes the agent, its grants and its tokens. */
    boolean deleteAgent(String agentId);

    // ---- vault grants (roles of users and agents on vaults) ----

    /** Creates or replaces the subject's role on the vault ({@code proxy}, {@code member} or {@code admin}). */
    void setGrant(String subjectId, String vaultId, String role);

    boolean removeGrant(String subjectId, String vaultId);

    List<GrantRecord> grantsOf(String subjectId);

    List<GrantRecord> allGrants();

    /** Revokes every non-revoked token whose subject is {@code subjectId}; returns how many. */
    int revokeTokensOfSubject(String subjectId);

    // ---- proposals (agents ask, humans approve) ----

    ProposalRecord createProposal(ProposalRecord proposal);

    Optional<ProposalRecord> proposal(String id);

    /** Newest first; null filters mean any. */
    List<ProposalRecord> listProposals(@org.jspecify.annotations.Nullable String vaultId, @org.jspecify.annotations.Nullable String status);

    int countProposals(String vaultId, String status);

    /**
     * Moves a proposal from {@code fromStatus} to {@code toStatus} (compare-and-set); returns false
     * if it was not in {@code fromStatus} any more.
     */
    boolean decideProposal(String id, String fromStatus, String toStatus, @org.jspecify.annotations.Nullable String reviewedBy,
            @org.jspecify.annotations.Nullable String reason, Instant at);

    // ---- approvals (a proxy node holds a request until a human decides; issue 12 §3) ----
    // Approval writes do not bump revision(): no snapshot depends on them, and the node holding a
    // request re-reads its row (approval(id)) instead of rebuilding its snapshot.

    /** Stores a new approval under its id if non-blank (CONFLICT if taken) or a fresh {@code apr_} id. */
    ApprovalRecord createApproval(ApprovalRecord approval);

    Optional<ApprovalRecord> approval(String id);

    /** Newest first, at most {@code limit}; null filters mean any. */
    List<ApprovalRecord> listApprovals(@org.jspecify.annotations.Nullable String vaultId,
            dev.keyway.core.approval.@org.jspecify.annotations.Nullable ApprovalState state, int limit);

    /**
     * Moves a PENDING approval to {@code to} (compare-and-set, so a decision, a timeout and a
     * cancellation racing on different nodes have exactly one winner); false when it was not
     * pending any more or does not exist. {@code approvedUntil} only with APPROVED. Bumps
     * {@link #revision()} when it moved the approval (the holding node may be another one: the change
     * log, and on PostgreSQL its NOTIFY, tells it at once).
     */
    boolean decideApproval(String id, dev.keyway.core.approval.ApprovalState to,
            @org.jspecify.annotations.Nullable String decidedBy, @org.jspecify.annotations.Nullable String reason,
            java.time.@org.jspecify.annotations.Nullable Instant approvedUntil, Instant at);

    /** The approval of exactly this request (token, service, method, path) still standing at {@code now}, if any. */
    Optional<ApprovalRecord> standingApproval(String tokenId, String service, String method, String path, Instant now);

    // ---- webhooks (notification targets) ----

    WebhookRecord createWebhook(String url, String format, String actor);

    List<WebhookRecord> listWebhooks();

    boolean deleteWebhook(String id);

    /** Records a delivery outcome: {@code error} null on success (resets the failure count). */
    void recordWebhookDelivery(String id, Instant at, @org.jspecify.annotations.Nullable String error);

    // ---- AWS grants (IAM roles a vault's agents may use) ----

    /**
     * Creates the grant (a fresh {@code awg_} id; {@code id} and {@code createdAt} of the argument
     * are ignored) or, when the vault already has one with this name, replaces its configuration
     * keeping its id and creation. NOT_FOUND for a missing vault; VALIDATION for an unknown mode.
     */
    AwsGrantRecord putAwsGrant(AwsGrantRecord grant);

    /** The vault's AWS grants, by name. */
    List<AwsGrantRecord> listAwsGrants(String vaultId);

    Optional<AwsGrantRecord> awsGrant(String vaultId, String name);

    boolean deleteAwsGrant(String vaultId, String name);

    /**
     * Binds a per-run AWS scope to its token; the scope goes with the token. NOT_FOUND for a missing
     * token; CONFLICT when the token already has one (set once, so it can never be widened).
     */
    void putAwsRunScope(AwsRunScopeRecord scope);

    Optional<AwsRunScopeRecord> awsRunScope(String tokenId);

    /** Every token's run scope (the proxy's snapshot holds them), by token id. */
    List<AwsRunScopeRecord> listAwsRunScopes();

    /**
     * Binds a per-run GitHub App narrowing to its token; it goes with the token. NOT_FOUND for a
     * missing token; CONFLICT when the token already has one (set once, so it can never be widened).
     */
    void putGitHubRunScope(GitHubRunScopeRecord scope);

    Optional<GitHubRunScopeRecord> githubRunScope(String tokenId);

    /** Every token's GitHub narrowing (the proxy's snapshot holds them), by token id. */
    List<GitHubRunScopeRecord> listGitHubRunScopes();

    /** Records a Vault token a source minted (idempotent per source and accessor). */
    void addVaultMintedToken(VaultMintedTokenRecord token);

    /** The Vault tokens the source minted and has not yet revoked, oldest first. */
    List<VaultMintedTokenRecord> listVaultMintedTokens(String source);

    /** Forgets a minted token (it was revoked); false when it was not recorded. */
    boolean deleteVaultMintedToken(String source, String accessor);

    @Override
    void close();

    // ---- credential sources (issue 10) ----

    /**
     * Creates a source (a fresh {@code src_} id) or replaces the type, settings and secrets of the
     * one with this name. {@code sealSecrets} is given the new secrets version and returns their
     * ciphertext (null for none). Bumps {@link #revision()}.
     */
    SourceRecord putSource(String name, String type, String settingsJson, IntFunction<byte @org.jspecify.annotations.Nullable []> sealSecrets,
            String actor);

    /** Every source, by name. */
    List<SourceRecord> listSources();

    Optional<SourceRecord> source(String name);

    /**
     * Deletes a source. CONFLICT (naming them) while linked credentials use it; false when there
     * was none. Bumps {@link #revision()}.
     */
    boolean deleteSource(String name);

    /**
     * Creates or replaces a linked credential (no value stored; the version is bumped). NOT_FOUND
     * for a missing vault or source. Bumps {@link #revision()}.
     */
    CredentialRecord linkCredential(String vaultId, String name, @org.jspecify.annotations.Nullable String description,
            String actor, CredentialRecord.Link link);

    /** The linked credentials (of every vault) that use the source. */
    List<CredentialRecord> credentialsLinkedTo(String source);

    // ---- OAuth-minted credentials (issue 12) ----

    /**
     * Creates or replaces an OAuth credential: a credential linked to {@link OAuthRecord#SOURCE}
     * (version bumped, no value) and its minting settings; {@code sealSecrets} is given the new
     * secrets version and returns the sealed client secret and refresh token. The state becomes
     * {@code ok}. NOT_FOUND for a missing vault. Bumps {@link #revision()}.
     */
    CredentialRecord putOAuthCredential(String vaultId, String name, @org.jspecify.annotations.Nullable String description,
            String actor, OAuthRecord.Settings settings, IntFunction<byte[]> sealSecrets);

    Optional<OAuthRecord> oauthCredential(String vaultId, String name);

    /** Every OAuth credential of every vault (to load the broken ones at start). */
    List<OAuthRecord> listOAuthCredentials();

    /**
     * Replaces an OAuth credential's sealed secrets (a rotated refresh token) iff its secrets
     * version is still {@code expectedVersion}; the new version is {@code expectedVersion + 1}.
     * Durable when it returns true (committed), so a caller that hands out the access token only
     * after this returns can never lose the newest refresh token to a crash. False when the version
     * moved (re-authorized or rotated by another node) or the credential is gone. Does not bump the
     * revision: nothing a snapshot holds changed.
     */
    boolean rotateOAuthSecrets(String vaultId, String name, int expectedVersion, IntFunction<byte[]> sealSecrets);

    /**
     * Records an OAuth credential's state (broken, with a detail that never holds a secret) iff its
     * secrets version is still {@code secretsVersion}; false otherwise. Does not bump the revision.
     */
    boolean setOAuthState(String vaultId, String name, int secretsVersion, OAuthRecord.State state,
            @org.jspecify.annotations.Nullable String detail);

    // ---- rate limits (issue 12 §4) ----

    /**
     * Creates a limit (a fresh {@code lim_} id; {@code id} and {@code createdAt} of the argument are
     * ignored) or, when the vault already has one with the same scope ({@link LimitRecord#scopeKey}),
     * replaces its rate keeping id and creation. Either way the shared bucket starts full. NOT_FOUND
     * for a missing vault, agent or token. Bumps {@link #revision()}.
     */
    LimitRecord putLimit(LimitRecord limit);

    /** Every limit, or the vault's when {@code vaultId} is non-null, oldest first (ties in creation time by id). */
    List<LimitRecord> listLimits(@org.jspecify.annotations.Nullable String vaultId);

    Optional<LimitRecord> limit(String id);

    /** Deletes a limit; false when there was none. Bumps {@link #revision()} when it deleted one. */
    boolean deleteLimit(String id);

    /**
     * Takes up to {@code want} tokens from the limit's shared token bucket at the store clock's
     * time, atomically with respect to every other store on the same database (compare-and-set, no
     * lock held, no transaction of its own). Does not bump {@link #revision()}. Empty when the limit
     * does not exist.
     */
    Optional<LimitRecord.Lease> leaseLimitTokens(String id, long want);

    // ---- sign-in throttle (issue 11: one budget for a whole cluster) ----

    /**
     * Takes one attempt from the throttle bucket {@code bucket} (e.g. {@code login:203.0.113.7}) at
     * {@code rate}, at the store clock's time, atomically with respect to every other store on the
     * same database (compare-and-set, no lock held, no transaction of its own). Returns 0 when the
     * attempt is granted, else the milliseconds until one will be. Does not bump {@link #revision()}.
     * Buckets untouched for a whole window are deleted (they are full again), so the stored buckets
     * stay bounded by the clients seen within the last window.
     */
    long takeThrottleAttempt(String bucket, dev.keyway.core.limit.RateLimit rate);

    /** Gives one attempt back to {@code bucket} (a sign-in that succeeded). Does not bump {@link #revision()}. */
    void refundThrottleAttempt(String bucket, dev.keyway.core.limit.RateLimit rate);

    /** How many throttle buckets are stored (bounded; see {@link #takeThrottleAttempt}). */
    long throttleBuckets();
}
