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
 */
public record Snapshot(
        long revision,
        Map<String, VaultRuntime> byName,
        Map<String, VaultRuntime> byId,
        TokenIndex tokens,
        Map<String, AgentRecord> agents,
        Map<String, UserRecord> users,
        Map<String, Map<String, VaultRole>> grants) {
    public Snapshot {
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
