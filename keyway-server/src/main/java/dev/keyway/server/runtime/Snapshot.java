package dev.keyway.server.runtime;

import dev.keyway.server.TokenIndex;
import java.util.Map;
import java.util.Optional;

/** Immutable view of everything the proxy needs, at one store revision. */
public record Snapshot(long revision, Map<String, VaultRuntime> byName, Map<String, VaultRuntime> byId, TokenIndex tokens) {
    public Snapshot {
        byName = Map.copyOf(byName);
        byId = Map.copyOf(byId);
    }

    public Optional<VaultRuntime> vaultByName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<VaultRuntime> vaultById(String id) {
        return Optional.ofNullable(byId.get(id));
    }
}
