package dev.keyway.core.crypto;

import java.security.SecureRandom;

/**
 * The single source of randomness for keys, nonces, salts, tokens and ids in this package.
 *
 * <p>{@link SecureRandom} is thread-safe and designed to be shared; one instance avoids re-seeding
 * cost per call. It is never reseeded or replaced, so it is not mutable state in any meaningful
 * sense.
 */
final class Randomness {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Randomness() {}

    /** Returns {@code n} fresh random bytes. */
    static byte[] bytes(int n) {
        byte[] out = new byte[n];
        RANDOM.nextBytes(out);
        return out;
    }
}
