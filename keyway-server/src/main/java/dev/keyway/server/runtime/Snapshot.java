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
        Map<String, java.util.List<dev.keyway.store.LimitRecord>> limits) {
    /**
     * A run's narrowing of one sign-mode AWS grant, bound to the run's token (see
     * {@code POST /v1/aws/run-scope}): the proxy signs that token's requests for the grant with a
     * session assumed with {@code scope}.
     */
    public record AwsRunScope(String grantName, dev.keyway.server.aws.RunScope scope) {}

    public Snapshot {
        awsRunScopes = Map.copyOf(awsRunScopes);
        limits = Map.copyOf(limits);
        byName = Map.copyOf(byName);
        byId = Map.copyOf(byId);
        agents = Map.copyOf(agents);
        users = Map.copyOf(users);
        grants = Map.copyOf(grants);
    }

    /** A snapshot without rate limits. */
    public Snapshot(long revision, Map<String, VaultRuntime> byName, Map<String, VaultRuntime> byId, TokenIndex tokens,
            Map<String, AgentRecord> agents, Map<String, UserRecord> users, Map<String, Map<String, VaultRole>> grants,
            Map<String, AwsRunScope> awsRunScopes) {
        this(revision, byName, byId, tokens, agents, users, grants, awsRunScopes, Map.of());
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
