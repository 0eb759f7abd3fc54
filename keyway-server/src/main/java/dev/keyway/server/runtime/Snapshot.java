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
 */
public record Snapshot(
        long revision,
        Map<String, VaultRuntime> byName,
        Map<String, VaultRuntime> byId,
        TokenIndex tokens,
        Map<String, AgentRecord> agents,
        Map<String, UserRecord> users,
        Map<String, Map<String, VaultRole>> grants,
        Map<String, AwsRunScope> awsRunScopes) {
    /**
     * A run's narrowing of one sign-mode AWS grant, bound to the run's token (see
     * {@code POST /v1/aws/run-scope}): the proxy signs that token's requests for the grant with a
     * session assumed with {@code scope}.
     */
    public record AwsRunScope(String grantName, dev.keyway.server.aws.RunScope scope) {}

    public Snapshot {
        awsRunScopes = Map.copyOf(awsRunScopes);
        byName = Map.copyOf(byName);
        byId = Map.copyOf(byId);
        agents = Map.copyOf(agents);
        users = Map.copyOf(users);
        grants = Map.copyOf(grants);
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
