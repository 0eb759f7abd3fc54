package dev.keyway.core.source;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A value fetched from a source and the store's version of it ({@code "-"} when the store has no
 * versions). The caller owns the array and wipes it. {@code toString()} never prints the value.
 *
 * @param ttl how long this value may be used when the source knows (an OAuth access token's
 *     {@code expires_in}); null to use the credential's configured TTL
 */
public record Fetched(byte[] value, String version, @Nullable Duration ttl) {
    public Fetched(byte[] value, String version) {
        this(value, version, null);
    }

    @Override
    public String toString() {
        return "Fetched[" + value.length + " bytes, version " + version + (ttl == null ? "" : ", ttl " + ttl) + "]";
    }
}
