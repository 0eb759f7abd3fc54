package dev.keyway.core.inject;

import java.util.Optional;

/**
 * Looks up a credential's current value by name, for the vault being served. The injector resolves
 * only credentials it is about to use and only once per request.
 *
 * <p>Ownership: each call returns a fresh array that the caller (the injector) owns and wipes when
 * done, so implementations must return a copy, never a cached array. Empty means the vault has no
 * such credential. Implementations must be fast (called on the proxy's event loop) and must not
 * throw for an unknown name.
 */
@FunctionalInterface
public interface CredentialResolver {
    Optional<byte[]> resolve(String credentialName);
}
