package dev.keyway.core.aws;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An AWS access key, as used to sign: the host credentials Keyway calls STS with, or the
 * temporary credentials of an assumed role. The secret key and session token never appear in
 * {@link #toString()}.
 *
 * <p>Kept as {@code String}s: they live for the session's lifetime in a cache and are written into
 * HTTP messages as text, so there is no point where wiping a {@code char[]} would shorten their
 * life in memory.
 *
 * @param sessionToken the STS session token for temporary credentials, else null
 * @param expiration when temporary credentials stop working, else null (long-term keys)
 */
public record AwsCredentials(String accessKeyId, String secretAccessKey, @Nullable String sessionToken,
        @Nullable Instant expiration) {
    public AwsCredentials {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        if (accessKeyId.isBlank() || secretAccessKey.isBlank()) {
            throw new IllegalArgumentException("an AWS access key id and secret access key must not be blank");
        }
    }

    /** True when these credentials are valid for at least {@code margin} after {@code now}. */
    public boolean validFor(Instant now, Duration margin) {
        return expiration == null || now.plus(margin).isBefore(expiration);
    }

    @Override
    public String toString() {
        return "AwsCredentials[" + accessKeyId + (sessionToken == null ? "" : ", session")
                + (expiration == null ? "" : ", expires " + expiration) + "]";
    }
}
