package dev.keyway.core.service;

import java.util.Objects;

/**
 * What an agent should see instead of a real credential so that SDKs start and their local format
 * checks pass (for example {@code ghp_} + 36 characters for a GitHub token), while the value itself
 * is worthless. Pure data; whoever launches agents exports {@code envVar=value}.
 *
 * @param credential the credential the placeholder stands for
 * @param envVar the environment variable SDKs read (usually the same name as the credential)
 * @param value the placeholder value; for a {@link Injection.Substitute} service, its placeholder
 */
public record PlaceholderFormat(String credential, String envVar, String value) {
    public PlaceholderFormat {
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(envVar, "envVar");
        Objects.requireNonNull(value, "value");
    }

    /** The same placeholder for a renamed credential. */
    public PlaceholderFormat withCredential(String newCredential) {
        return new PlaceholderFormat(newCredential, envVar, value);
    }
}
