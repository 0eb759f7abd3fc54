package dev.keyway.server.runtime;

import dev.keyway.server.TokenIndex;
import dev.keyway.server.auth.VaultRole;
import dev.keyway.store.AgentRecord;
import dev.keyway.store.UserRecord;
import java.util.Map;
import java.util.Optional;

/**
 * Immutable view of everything the proxy and request authentication need, at one store revision.
 *
 * @param grants subject (user or agent id) → vault id → role
 * @param awsRunScopes token id → the run's AWS scope (sign mode)
 * @param limits vault id → the vault's rate limits, oldest first (issue 12 §4)
 * @param githubRunScopes token id → the run's narrowing of GitHub App installation tokens
 * @param githubApps {@code vaultId/name} of every GitHub App credential (the ones a narrowing applies to)
 */
public record Snapshot(
        long revision,
        Map<String, VaultRuntime> byName,
        Map<String, VaultRuntime> byId,
        TokenIndex tokens,
        Map<String, AgentRecord> agents,
        Map<String, UserRecord> users,
        Map<String, Map<String, VaultRole>> grants,
        Map<String, AwsRunScope> awsRunScopes,
        Map<String, java.util.List<dev.keyway.store.LimitRecord>> limits,
        Map<String, dev.keyway.core.oauth.GitHubNarrowing> githubRunScopes,
        java.util.Set<String> githubApps) {
    /**
     * A run's narrowing of one sign-mode AWS grant, bound to the run's token (see
     * {@code POST /v1/aws/run-scope}): the proxy signs that token's requests for the grant with a
     * session assumed with {@code scope}.
     */
    public record AwsRunScope(String grantName, dev.keyway.server.aws.RunScope scope) {}

    public Snapshot {
        awsRunScopes = Map.copyOf(awsRunScopes);
        limits = Map.copyOf(limits);
        githubRunScopes = Map.copyOf(githubRunScopes);
        githubApps = java.util.Set.copyOf(githubApps);
        byName = Map.copyOf(byName);
        byId = Map.copyOf(byId);
        agents = Map.copyOf(agents);
        users = Map.copyOf(users);
        grants = Map.copyOf(grants);
    }

    /** A snapshot without GitHub run narrowings. */
    public Snapshot(long revision, Map<String, VaultRuntime> byName, Map<String, VaultRuntime> byId, TokenIndex tokens,
            Map<String, AgentRecord> agents, Map<String, UserRecord> users, Map<String, Map<String, VaultRole>> grants,
            Map<String, AwsRunScope> awsRunScopes, Map<String, java.util.List<dev.keyway.store.LimitRecord>> limits) {
        this(revision, byName, byId, tokens, agents, users, grants, awsRunScopes, limits, Map.of(), java.util.Set.of());
    }

    /**
     * The narrowing a request of {@code tokenId} applies to credential {@code name} of vault
     * {@code vaultId}: the run's, when the credential is a GitHub App; else null (the credential's own).
     */
    public dev.keyway.core.oauth.@org.jspecify.annotations.Nullable GitHubNarrowing githubNarrowing(String tokenId,
            String vaultId, String name) {
        dev.keyway.core.oauth.GitHubNarrowing n = githubRunScopes.get(tokenId);
        return n != null && githubApps.contains(vaultId + "/" + name) ? n : null;
    }

    /** A snapshot without rate limits. */
    public Snapshot(long revision, Map<String, VaultRuntime> byName, Map<String, VaultRuntime> byId, TokenIndex tokens,
            Map<String, AgentRecord> agents, Map<String, UserRecord> users, Map<String, Map<String, VaultRole>> grants,
            Map<String, AwsRunScope> awsRunScopes) {
        this(revision, byName, byId, tokens, agents, users, grants, awsRunScopes, Map.of(), Map.of(), java.util.Set.of());
    }

    /** The vault's rate limits, oldest first. */
    public java.util.List<dev.keyway.store.LimitRecord> limitsOf(String vaultId) {
        return limits.getOrDefault(vaultId, java.util.List.of());
    }

    public Map<String, VaultRole> grantsOf(String subjectId) {
        return grants.getOrDefault(subjectId, Map.of());
    }

    public Optional<VaultRuntime> vaultByName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<VaultRuntime> vaultById(String id) {
        return Optional.ofNullable(byId.get(id));
    }
}
