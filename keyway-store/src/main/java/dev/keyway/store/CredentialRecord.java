package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A stored credential: metadata plus the AES-GCM ciphertext of its value (bound by associated
 * data to vault id, name and version). {@code toString()} never prints the ciphertext.
 */
public record CredentialRecord(
        String vaultId,
        String name,
        @Nullable String description,
        int version,
        byte[] ciphertext,
        Instant createdAt,
        Instant updatedAt,
        String updatedBy) {
    @Override
    public String toString() {
        return "CredentialRecord[vaultId=" + vaultId + ", name=" + name + ", version=" + version + "]";
    }
}
