package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A credential source: a configured connection to an external secret store (HashiCorp Vault,
 * a file, a command...). {@code settingsJson} holds the non-secret settings as a JSON object of
 * strings; {@code secrets} is the AES-GCM ciphertext of the secrets it authenticates with (null
 * when none), sealed like a credential value and never returned by the API. {@code toString()}
 * never prints the ciphertext.
 */
public record SourceRecord(
        String id,
        String name,
        String type,
        String settingsJson,
        byte @Nullable [] secrets,
        int secretsVersion,
        Instant createdAt,
        String createdBy,
        Instant updatedAt) {
    @Override
    public String toString() {
        return "SourceRecord[name=" + name + ", type=" + type + "]";
    }
}
