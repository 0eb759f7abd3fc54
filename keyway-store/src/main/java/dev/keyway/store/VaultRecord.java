package dev.keyway.store;

import java.time.Instant;

/**
 * A stored vault. {@code wrappedKey} is the vault's data key encrypted under the master key.
 *
 * @param unmatchedPolicy {@code tunnel}, {@code intercept} or {@code deny}
 */
public record VaultRecord(
        String id, String name, String unmatchedPolicy, byte[] wrappedKey, Instant createdAt, String createdBy) {}
