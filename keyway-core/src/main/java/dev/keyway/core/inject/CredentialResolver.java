package dev.keyway.core.inject;

import dev.keyway.core.service.ValueExpression;
import java.util.Optional;
import java.util.function.Supplier;

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

    /**
     * The value of a composite expression ({@link ValueExpression}): {@code evaluate} computes it
     * from the credentials (through {@link #resolve}) and throws to refuse. Implementations that can
     * tell when the credentials it uses change should cache the result keyed by their versions, so
     * an expression is evaluated once per credential change rather than once per request; the
     * default evaluates every time. Same ownership rule: return an array the caller may wipe.
     */
    default byte[] composite(ValueExpression expression, Supplier<byte[]> evaluate) {
        return evaluate.get();
    }
}
