package dev.keyway.store;

import java.time.Instant;

/** A stored service definition; {@code position} is its declaration order within the vault. */
public record ServiceRecord(
        String vaultId,
        String name,
        int position,
        boolean enabled,
        String specJson,
        Instant createdAt,
        Instant updatedAt,
        String updatedBy) {}
