package dev.keyway.store.jdbc;

import dev.keyway.core.error.KeywayException;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.AwsGrantRecord;
import dev.keyway.store.AwsRunScopeRecord;
import dev.keyway.store.CredentialRecord;
import dev.keyway.store.DecoyRecord;
import dev.keyway.store.SourceRecord;
import dev.keyway.store.GrantRecord;
import dev.keyway.store.LimitRecord;
import dev.keyway.store.ProposalRecord;
import dev.keyway.store.ApprovalRecord;
import dev.keyway.core.approval.ApprovalState;
import dev.keyway.store.ServiceRecord;
import dev.keyway.store.Store;
import dev.keyway.store.StoreException;
import dev.keyway.store.TokenRecord;
import dev.keyway.store.UserRecord;
import dev.keyway.store.VaultRecord;
import dev.keyway.store.WebhookRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * {@link Store} in portable SQL; subclasses provide the connection ({@link #withConnection}),
 * recognise unique-key violations, and may control transactions ({@link #begin}, {@link #commit},
 * {@link #rollback}), e.g. to take a cross-process write lock. How transactions nest (for
 * {@link #atomically}) is described in {@link JdbcTransactions}.
 *
 * <p>Choices worth knowing:
 * <ul>
 *   <li>Timestamps are stored as epoch milliseconds; instants read back (and the ones returned by
 *       writes) are truncated to milliseconds, so a returned record equals its re-read.</li>
 *   <li>Every write method bumps the single-row {@code revision} counter in its transaction when it
 *       changed something (a delete of a missing row does not). The one exception is
 *       {@link #touchTokens}: last-use bookkeeping is written every few seconds and must not make
 *       every server rebuild its snapshots. Likewise {@link #recordWebhookDelivery}, which no
 *       snapshot depends on.</li>
 *   <li>Reads of an unknown vault's children return empty results; writes into an unknown vault
 *       are {@code NOT_FOUND}.</li>
 *   <li>A {@link RuntimeException} from a callback (encryption, re-wrapping) rolls the transaction
 *       back and propagates unchanged; {@link SQLException}s become {@link StoreException}s whose
 *       message names the operation and SQL state, never data.</li>
 * </ul>
 */
public abstract class JdbcStore extends JdbcTransactions implements Store {

    protected JdbcStore(Clock clock) {
        super(clock);
    }

    /** Change-log rows kept; older ones are pruned (a node further behind rebuilds from the tables anyway). */
    static final long CHANGE_LOG_KEEP = 10_000;

    /**
     * Records a change: increments the revision counter and appends a {@code change_log} row with
     * the new value, the operation name and the time, in the caller's transaction; then lets the
     * dialect announce it ({@link #changed}). Returns true for use as a lambda result.
     */
    private boolean bump(Connection c) throws SQLException {
        Rows.update(c, "UPDATE revision SET value = value + 1 WHERE id = 1");
        long rev;
        try (PreparedStatement ps = Rows.prepare(c, "SELECT value FROM revision WHERE id = 1")) {
            rev = Rows.one(ps, rs -> rs.getLong(1)).orElseThrow(() -> new SQLException("revision row missing"));
        }
        Rows.update(c, "INSERT INTO change_log (id, op, at) VALUES (?, ?, ?)", rev, currentOp(), now().toEpochMilli());
        if (rev % 1000 == 0) {
            Rows.update(c, "DELETE FROM change_log WHERE id <= ?", rev - CHANGE_LOG_KEEP);
        }
        changed(c, rev);
        return true;
    }

    private boolean bumpIf(Connection c, boolean changed) throws SQLException {
        if (changed) {
            bump(c);
        }
        return changed;
    }

    /**
     * Called inside the writing transaction after change {@code revision} was logged. The default
     * does nothing; PostgreSQL sends a {@code NOTIFY} (delivered at commit, dropped on rollback).
     */
    protected void changed(Connection c, long revision) throws SQLException {
        // nothing to announce for a single process
    }

    // ---- meta ----

    @Override
    public Optional<String> meta(String key) {
        return read("meta", c -> {
            try (PreparedStatement ps = Rows.prepare(c, "SELECT value FROM meta WHERE key = ?", key)) {
                return Rows.one(ps, rs -> rs.getString(1));
            }
        });
    }

    @Override
    public void putMeta(String key, String value) {
        write("putMeta", c -> {
            VaultSql.putMeta(c, key, value);
            return bump(c);
        });
    }

    @Override
    public boolean putMetaIfAbsent(String key, String value) {
        return write("putMetaIfAbsent", c -> bumpIf(c, Rows.update(c,
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value) > 0));
    }

    @Override
    public boolean deleteMeta(String key) {
        return write("deleteMeta", c -> bumpIf(c, Rows.update(c, "DELETE FROM meta WHERE key = ?", key) > 0));
    }

    @Override
    public long revision() {
        return read("revision", c -> {
            try (PreparedStatement ps = Rows.prepare(c, "SELECT value FROM revision WHERE id = 1")) {
                return Rows.one(ps, rs -> rs.getLong(1)).orElseThrow(() -> new SQLException("revision row missing"));
            }
        });
    }

    @Override
    public boolean ping() {
        try {
            return read("ping", c -> {
                try (PreparedStatement ps = Rows.prepare(c, "SELECT 1")) {
                    return Rows.one(ps, rs -> rs.getInt(1) == 1).orElse(false);
                }
            });
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---- vaults ----

    @Override
    public VaultRecord createVault(String name, byte[] wrappedKey, String actor) {
        return write("createVault", c -> {
            VaultRecord v = VaultSql.create(c, newId("vlt_"), name, wrappedKey, actor, now());
            bump(c);
            return v;
        });
    }

    @Override
    public List<VaultRecord> listVaults() {
        return read("listVaults", VaultSql::list);
    }

    @Override
    public Optional<VaultRecord> vaultByName(String name) {
        return read("vaultByName", c -> VaultSql.byName(c, name));
    }

    @Override
    public Optional<VaultRecord> vaultById(String id) {
        return read("vaultById", c -> VaultSql.byId(c, id));
    }

    @Override
    public boolean deleteVault(String id) {
        return write("deleteVault", c -> bumpIf(c, VaultSql.delete(c, id)));
    }

    @Override
    public void setUnmatchedPolicy(String vaultId, String policy) {
        write("setUnmatchedPolicy", c -> {
            VaultSql.setPolicy(c, vaultId, policy);
            return bump(c);
        });
    }

    @Override
    public void rewrapVaultKeys(Function<VaultRecord, byte[]> rewrap, Map<String, String> metaUpdates) {
        write("rewrapVaultKeys", c -> {
            VaultSql.rewrap(c, rewrap, metaUpdates);
            return bump(c);
        });
    }

    // ---- credentials ----

    @Override
    public CredentialRecord putCredential(String vaultId, String name, @Nullable String description, String actor,
            IntFunction<byte[]> encryptForVersion) {
        return write("putCredential", c -> {
            CredentialRecord r = CredentialSql.put(c, vaultId, name, description, actor, encryptForVersion, now());
            bump(c);
            return r;
        });
    }

    @Override
    public List<CredentialRecord> listCredentials(String vaultId) {
        return read("listCredentials", c -> CredentialSql.list(c, vaultId));
    }

    @Override
    public Optional<CredentialRecord> credential(String vaultId, String name) {
        return read("credential", c -> CredentialSql.get(c, vaultId, name));
    }

    @Override
    public boolean deleteCredential(String vaultId, String name) {
        return write("deleteCredential", c -> bumpIf(c, CredentialSql.delete(c, vaultId, name)));
    }

    // ---- decoys ----

    @Override
    public DecoyRecord insertDecoy(DecoyRecord decoy) {
        return write("insertDecoy", c -> {
            DecoyRecord r = DecoySql.insert(c, decoy);
            bump(c);
            return r;
        });
    }

    @Override
    public List<DecoyRecord> listDecoys(String vaultId) {
        return read("listDecoys", c -> DecoySql.list(c, vaultId));
    }

    @Override
    public boolean deleteDecoy(String vaultId, String name) {
        return write("deleteDecoy", c -> bumpIf(c, DecoySql.delete(c, vaultId, name)));
    }

    // ---- services ----

    @Override
    public ServiceRecord putService(String vaultId, String name, String specJson, boolean enabled, String actor) {
        return write("putService", c -> {
            ServiceRecord r = ServiceSql.put(c, vaultId, name, specJson, enabled, actor, now());
            bump(c);
            return r;
        });
    }

    @Override
    public List<ServiceRecord> listServices(String vaultId) {
        return read("listServices", c -> ServiceSql.list(c, vaultId));
    }

    @Override
    public Optional<ServiceRecord> service(String vaultId, String name) {
        return read("service", c -> ServiceSql.get(c, vaultId, name));
    }

    @Override
    public boolean deleteService(String vaultId, String name) {
        return write("deleteService", c -> bumpIf(c, ServiceSql.delete(c, vaultId, name)));
    }

    @Override
    public boolean setServiceEnabled(String vaultId, String name, boolean enabled, String actor) {
        return write("setServiceEnabled",
                c -> bumpIf(c, ServiceSql.setEnabled(c, vaultId, name, enabled, actor, now())));
    }

    @Override
    public void replaceServices(String vaultId, List<ServiceSpec> services, String actor) {
        write("replaceServices", c -> {
            ServiceSql.replace(c, vaultId, services, actor, now());
            return bump(c);
        });
    }

    // ---- tokens ----

    @Override
    public void insertToken(TokenRecord token) {
        write("insertToken", c -> {
            try {
                TokenSql.insert(c, token);
            } catch (SQLException e) {
                if (isUniqueViolation(e)) {
                    throw KeywayException.conflict("a token with this id, accessor or hash already exists");
                }
                throw e;
            }
            return bump(c);
        });
    }

    @Override
    public Optional<TokenRecord> tokenByHash(byte[] hash) {
        return read("tokenByHash", c -> TokenSql.by(c, "hash", hash));
    }

    @Override
    public Optional<TokenRecord> tokenById(String id) {
        return read("tokenById", c -> TokenSql.by(c, "id", id));
    }

    @Override
    public Optional<TokenRecord> tokenByAccessor(String accessor) {
        return read("tokenByAccessor", c -> TokenSql.by(c, "accessor", accessor));
    }

    @Override
    public List<TokenRecord> listTokens(@Nullable String vaultId) {
        return read("listTokens", c -> TokenSql.list(c, vaultId));
    }

    @Override
    public boolean revokeToken(String id) {
        return write("revokeToken", c -> bumpIf(c, TokenSql.revoke(c, id)));
    }

    @Override
    public boolean updateTokenExpiry(String id, Instant expiresAt) {
        return write("updateTokenExpiry", c -> bumpIf(c, TokenSql.updateExpiry(c, id, expiresAt)));
    }

    /** Does not bump {@link #revision()} (see class doc); unknown ids are ignored. */
    @Override
    public void touchTokens(Map<String, Instant> lastUsed) {
        if (lastUsed.isEmpty()) {
            return;
        }
        write("touchTokens", c -> {
            TokenSql.touch(c, lastUsed);
            return true;
        });
    }

    // ---- transactions ----

    /** See {@link JdbcTransactions}: nested calls join this transaction, each in a savepoint. */
    @Override
    public <T> T atomically(Function<Store, T> work) {
        return write("atomically", c -> work.apply(this));
    }

    // ---- users ----

    @Override
    public UserRecord createUser(String email, String passwordHash, String role) {
        return write("createUser", c -> {
            UserRecord u = UserSql.create(c, newId("usr_"), email, passwordHash, role, now());
            bump(c);
            return u;
        });
    }

    @Override
    public Optional<UserRecord> userByEmail(String email) {
        return read("userByEmail", c -> UserSql.byEmail(c, email));
    }

    @Override
    public Optional<UserRecord> userById(String id) {
        return read("userById", c -> UserSql.byId(c, id));
    }

    @Override
    public List<UserRecord> listUsers() {
        return read("listUsers", UserSql::list);
    }

    @Override
    public boolean updateUserPassword(String userId, String passwordHash) {
        return write("updateUserPassword", c -> bumpIf(c, UserSql.updatePassword(c, userId, passwordHash)));
    }

    @Override
    public boolean setUserDisabled(String userId, boolean disabled) {
        return write("setUserDisabled", c -> bumpIf(c, UserSql.setDisabled(c, userId, disabled)));
    }

    // ---- agents ----

    @Override
    public AgentRecord createAgent(String name, @Nullable String services, String actor) {
        return write("createAgent", c -> {
            AgentRecord a = AgentSql.create(c, newId("agt_"), name, services, actor, now());
            bump(c);
            return a;
        });
    }

    @Override
    public Optional<AgentRecord> agentByName(String name) {
        return read("agentByName", c -> AgentSql.byName(c, name));
    }

    @Override
    public Optional<AgentRecord> agentById(String id) {
        return read("agentById", c -> AgentSql.byId(c, id));
    }

    @Override
    public List<AgentRecord> listAgents() {
        return read("listAgents", AgentSql::list);
    }

    @Override
    public boolean setAgentRevoked(String agentId, boolean revoked) {
        return write("setAgentRevoked", c -> bumpIf(c, AgentSql.setRevoked(c, agentId, revoked)));
    }

    @Override
    public boolean setAgentServices(String agentId, @Nullable String services) {
        return write("setAgentServices", c -> bumpIf(c, AgentSql.setServices(c, agentId, services)));
    }

    /** True if anything was deleted (the agent, or grants/tokens left with its id). */
    @Override
    public boolean deleteAgent(String agentId) {
        return write("deleteAgent", c -> bumpIf(c, AgentSql.delete(c, agentId)));
    }

    // ---- grants ----

    /** VALIDATION for an unknown role, NOT_FOUND for a missing vault; the subject is not checked. */
    @Override
    public void setGrant(String subjectId, String vaultId, String role) {
        write("setGrant", c -> {
            GrantSql.set(c, subjectId, vaultId, role);
            return bump(c);
        });
    }

    @Override
    public boolean removeGrant(String subjectId, String vaultId) {
        return write("removeGrant", c -> bumpIf(c, GrantSql.remove(c, subjectId, vaultId)));
    }

    /** Ordered by vault id. */
    @Override
    public List<GrantRecord> grantsOf(String subjectId) {
        return read("grantsOf", c -> GrantSql.of(c, subjectId));
    }

    /** Ordered by subject id, then vault id. */
    @Override
    public List<GrantRecord> allGrants() {
        return read("allGrants", GrantSql::all);
    }

    @Override
    public int revokeTokensOfSubject(String subjectId) {
        return write("revokeTokensOfSubject", c -> {
            int n = TokenSql.revokeOfSubject(c, subjectId);
            bumpIf(c, n > 0);
            return n;
        });
    }

    // ---- proposals ----

    /**
     * Stores {@code proposal} as given, under its id if non-blank (CONFLICT if taken) or a fresh
     * {@code prp_} id; returns the stored record (instants truncated to milliseconds).
     */
    @Override
    public ProposalRecord createProposal(ProposalRecord proposal) {
        return write("createProposal", c -> {
            String id = proposal.id().isBlank() ? newId("prp_") : proposal.id();
            ProposalRecord r = ProposalSql.create(c, id, proposal);
            bump(c);
            return r;
        });
    }

    @Override
    public Optional<ProposalRecord> proposal(String id) {
        return read("proposal", c -> ProposalSql.get(c, id));
    }

    @Override
    public List<ProposalRecord> listProposals(@Nullable String vaultId, @Nullable String status) {
        return read("listProposals", c -> ProposalSql.list(c, vaultId, status));
    }

    @Override
    public int countProposals(String vaultId, String status) {
        return read("countProposals", c -> ProposalSql.count(c, vaultId, status));
    }

    @Override
    public boolean decideProposal(String id, String fromStatus, String toStatus, @Nullable String reviewedBy,
            @Nullable String reason, Instant at) {
        return write("decideProposal",
                c -> bumpIf(c, ProposalSql.decide(c, id, fromStatus, toStatus, reviewedBy, reason, at)));
    }

    // ---- approvals ----

    @Override
    public ApprovalRecord createApproval(ApprovalRecord approval) {
        return write("createApproval", c -> ApprovalSql.create(c, approval.id().isBlank() ? newId("apr_") : approval.id(),
                approval));
    }

    @Override
    public Optional<ApprovalRecord> approval(String id) {
        return read("approval", c -> ApprovalSql.get(c, id));
    }

    @Override
    public List<ApprovalRecord> listApprovals(@Nullable String vaultId, @Nullable ApprovalState state, int limit) {
        return read("listApprovals", c -> ApprovalSql.list(c, vaultId, state, limit));
    }

    @Override
    public boolean decideApproval(String id, ApprovalState to, @Nullable String decidedBy, @Nullable String reason,
            @Nullable Instant approvedUntil, Instant at) {
        // a decision is a change like any other: its change-log row (and, on PostgreSQL, its NOTIFY) is how
        // the node holding the request learns it within a LISTEN round trip when another node decided it
        return write("decideApproval", c -> bumpIf(c, ApprovalSql.decide(c, id, to, decidedBy, reason, approvedUntil, at)));
    }

    @Override
    public Optional<ApprovalRecord> standingApproval(String tokenId, String service, String method, String path, Instant now) {
        return read("standingApproval", c -> ApprovalSql.standing(c, tokenId, service, method, path, now));
    }

    // ---- webhooks ----

    @Override
    public WebhookRecord createWebhook(String url, String format, String actor) {
        return write("createWebhook", c -> {
            WebhookRecord w = WebhookSql.create(c, newId("whk_"), url, format, actor, now());
            bump(c);
            return w;
        });
    }

    /** Oldest first. */
    @Override
    public List<WebhookRecord> listWebhooks() {
        return read("listWebhooks", WebhookSql::list);
    }

    @Override
    public boolean deleteWebhook(String id) {
        return write("deleteWebhook", c -> bumpIf(c, WebhookSql.delete(c, id)));
    }

    /** Does not bump {@link #revision()}; an unknown id (webhook deleted meanwhile) is ignored. */
    @Override
    public void recordWebhookDelivery(String id, Instant at, @Nullable String error) {
        write("recordWebhookDelivery", c -> {
            WebhookSql.recordDelivery(c, id, at, error);
            return true;
        });
    }

    // ---- credential sources ----

    @Override
    public SourceRecord putSource(String name, String type, String settingsJson,
            IntFunction<byte @Nullable []> sealSecrets, String actor) {
        return write("putSource", c -> {
            SourceRecord r = SourceSql.put(c, newId("src_"), name, type, settingsJson, sealSecrets, actor, now());
            bump(c);
            return r;
        });
    }

    @Override
    public List<SourceRecord> listSources() {
        return read("listSources", SourceSql::list);
    }

    @Override
    public Optional<SourceRecord> source(String name) {
        return read("source", c -> SourceSql.get(c, name));
    }

    @Override
    public boolean deleteSource(String name) {
        return write("deleteSource", c -> {
            List<CredentialRecord> users = CredentialSql.linkedTo(c, name);
            if (!users.isEmpty()) {
                List<String> names = new java.util.ArrayList<>();
                for (CredentialRecord u : users) {
                    names.add(VaultSql.byId(c, u.vaultId()).map(v -> v.name()).orElse(u.vaultId()) + "/" + u.name());
                }
                throw KeywayException.conflict("source '" + name + "' is used by linked credential(s) " + names
                        + "; delete or re-link them first");
            }
            return bumpIf(c, SourceSql.delete(c, name));
        });
    }

    @Override
    public CredentialRecord linkCredential(String vaultId, String name, @Nullable String description, String actor,
            CredentialRecord.Link link) {
        return write("linkCredential", c -> {
            if (SourceSql.get(c, link.source()).isEmpty()) {
                throw KeywayException.notFound("source '" + link.source() + "' does not exist");
            }
            CredentialRecord r = CredentialSql.link(c, vaultId, name, description, actor, link, now());
            bump(c);
            return r;
        });
    }

    @Override
    public List<CredentialRecord> credentialsLinkedTo(String source) {
        return read("credentialsLinkedTo", c -> CredentialSql.linkedTo(c, source));
    }

    // ---- AWS grants ----

    @Override
    public AwsGrantRecord putAwsGrant(AwsGrantRecord grant) {
        return write("putAwsGrant", c -> {
            AwsGrantRecord r = AwsGrantSql.put(c, newId("awg_"), grant, now());
            bump(c);
            return r;
        });
    }

    /** Ordered by name. */
    @Override
    public List<AwsGrantRecord> listAwsGrants(String vaultId) {
        return read("listAwsGrants", c -> AwsGrantSql.list(c, vaultId));
    }

    @Override
    public Optional<AwsGrantRecord> awsGrant(String vaultId, String name) {
        return read("awsGrant", c -> AwsGrantSql.get(c, vaultId, name));
    }

    @Override
    public boolean deleteAwsGrant(String vaultId, String name) {
        return write("deleteAwsGrant", c -> bumpIf(c, AwsGrantSql.delete(c, vaultId, name)));
    }

    // ---- per-run AWS scopes ----

    @Override
    public void putAwsRunScope(AwsRunScopeRecord scope) {
        write("putAwsRunScope", c -> {
            AwsRunScopeSql.put(c, scope);
            return bump(c);
        });
    }

    @Override
    public Optional<AwsRunScopeRecord> awsRunScope(String tokenId) {
        return read("awsRunScope", c -> AwsRunScopeSql.get(c, tokenId));
    }

    @Override
    public List<AwsRunScopeRecord> listAwsRunScopes() {
        return read("listAwsRunScopes", AwsRunScopeSql::list);
    }

    // ---- per-run GitHub App narrowings ----

    @Override
    public void putGitHubRunScope(dev.keyway.store.GitHubRunScopeRecord scope) {
        write("putGitHubRunScope", c -> {
            GitHubRunScopeSql.put(c, scope);
            return bump(c);
        });
    }

    @Override
    public Optional<dev.keyway.store.GitHubRunScopeRecord> githubRunScope(String tokenId) {
        return read("githubRunScope", c -> GitHubRunScopeSql.get(c, tokenId));
    }

    @Override
    public List<dev.keyway.store.GitHubRunScopeRecord> listGitHubRunScopes() {
        return read("listGitHubRunScopes", GitHubRunScopeSql::list);
    }

    // ---- Vault tokens minted by sources ----

    @Override
    public void addVaultMintedToken(dev.keyway.store.VaultMintedTokenRecord token) {
        write("addVaultMintedToken", c -> {
            VaultMintedTokenSql.add(c, token);
            return true;
        });
    }

    @Override
    public List<dev.keyway.store.VaultMintedTokenRecord> listVaultMintedTokens(String source) {
        return read("listVaultMintedTokens", c -> VaultMintedTokenSql.list(c, source));
    }

    @Override
    public boolean deleteVaultMintedToken(String source, String accessor) {
        return write("deleteVaultMintedToken", c -> VaultMintedTokenSql.delete(c, source, accessor));
    }

    // ---- OAuth-minted credentials ----

    @Override
    public CredentialRecord putOAuthCredential(String vaultId, String name, @Nullable String description, String actor,
            dev.keyway.store.OAuthRecord.Settings settings, IntFunction<byte[]> sealSecrets) {
        return write("putOAuthCredential", c -> {
            CredentialRecord r = OAuthSql.put(c, vaultId, name, description, actor, settings, sealSecrets, now());
            bump(c);
            return r;
        });
    }

    @Override
    public Optional<dev.keyway.store.OAuthRecord> oauthCredential(String vaultId, String name) {
        return read("oauthCredential", c -> OAuthSql.get(c, vaultId, name));
    }

    @Override
    public List<dev.keyway.store.OAuthRecord> listOAuthCredentials() {
        return read("listOAuthCredentials", OAuthSql::list);
    }

    @Override
    public boolean rotateOAuthSecrets(String vaultId, String name, int expectedVersion, IntFunction<byte[]> sealSecrets) {
        return write("rotateOAuthSecrets", c -> OAuthSql.rotate(c, vaultId, name, expectedVersion, sealSecrets, now()));
    }

    @Override
    public boolean setOAuthState(String vaultId, String name, int secretsVersion, dev.keyway.store.OAuthRecord.State state,
            @Nullable String detail) {
        return write("setOAuthState", c -> OAuthSql.setState(c, vaultId, name, secretsVersion, state, detail, now()));
    }

    // ---- rate limits ----

    @Override
    public LimitRecord putLimit(LimitRecord limit) {
        return write("putLimit", c -> {
            LimitRecord r = LimitSql.put(c, newId("lim_"), limit, now());
            bump(c);
            return r;
        });
    }

    @Override
    public List<LimitRecord> listLimits(@Nullable String vaultId) {
        return read("listLimits", c -> LimitSql.list(c, vaultId));
    }

    @Override
    public Optional<LimitRecord> limit(String id) {
        return read("limit", c -> LimitSql.get(c, id));
    }

    @Override
    public boolean deleteLimit(String id) {
        return write("deleteLimit", c -> bumpIf(c, LimitSql.delete(c, id)));
    }

    /** Auto-commit compare-and-set (see {@link LimitSql#lease}); does not bump the revision. */
    @Override
    public Optional<LimitRecord.Lease> leaseLimitTokens(String id, long want) {
        if (want < 1) {
            throw new IllegalArgumentException("want must be positive");
        }
        return read("leaseLimitTokens", c -> LimitSql.lease(c, id, want, now().toEpochMilli()));
    }

    // ---- sign-in throttle ----

    /** Auto-commit compare-and-set (see {@link ThrottleSql}); does not bump the revision. */
    @Override
    public long takeThrottleAttempt(String bucket, dev.keyway.core.limit.RateLimit rate) {
        return read("takeThrottleAttempt", c -> ThrottleSql.take(c, bucket, rate, now().toEpochMilli()));
    }

    @Override
    public void refundThrottleAttempt(String bucket, dev.keyway.core.limit.RateLimit rate) {
        read("refundThrottleAttempt", c -> {
            ThrottleSql.refund(c, bucket, rate, now().toEpochMilli());
            return Boolean.TRUE;
        });
    }

    @Override
    public long throttleBuckets() {
        return read("throttleBuckets", ThrottleSql::count);
    }
}
