package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A credential: metadata plus either the AES-GCM ciphertext of its value (bound by associated
 * data to vault id, name and version) for a <em>stored</em> credential, or a {@link Link} for a
 * <em>linked</em> one, whose value lives in an external secret store and is never persisted here
 * (its ciphertext is empty). {@code toString()} never prints the ciphertext.
 */
public record CredentialRecord(
        String vaultId,
        String name,
        @Nullable String description,
        int version,
        byte[] ciphertext,
        Instant createdAt,
        Instant updatedAt,
        String updatedBy,
        @Nullable Link link) {

    /**
     * Where a linked credential's value comes from: a source by name and a reference inside it,
     * how long a fetched value is used ({@code ttlSeconds}) and how long past that the last good
     * value may still be served while the source fails ({@code maxStaleSeconds}).
     */
    public record Link(String source, String ref, long ttlSeconds, long maxStaleSeconds) {}

    /** A stored credential. */
    public CredentialRecord(String vaultId, String name, @Nullable String description, int version, byte[] ciphertext,
            Instant createdAt, Instant updatedAt, String updatedBy) {
        this(vaultId, name, description, version, ciphertext, createdAt, updatedAt, updatedBy, null);
    }

    /** True for a linked credential (no value in the database). */
    public boolean linked() {
        return link != null;
    }

    @Override
    public String toString() {
        return "CredentialRecord[vaultId=" + vaultId + ", name=" + name + ", version=" + version
                + (link == null ? "" : ", source=" + link.source() + ", ref=" + link.ref()) + "]";
    }
}
