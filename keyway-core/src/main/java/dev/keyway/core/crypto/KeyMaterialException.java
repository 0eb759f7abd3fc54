package dev.keyway.core.crypto;

/**
 * Key material or its parameters are unusable: a key file that is missing, malformed or readable
 * by other users, KDF parameters that are garbage or too weak, a master key that does not match
 * the data directory, an empty password.
 *
 * <p>These are operator-facing configuration problems, typically hit at start-up; the message says
 * what is wrong and how to fix it, and never contains the key, password or any derived value.
 */
public final class KeyMaterialException extends CryptoException {

    /** Creates an exception whose message must not contain secret data. */
    public KeyMaterialException(String message) {
        super(message);
    }

    /** Creates an exception whose message must not contain secret data. */
    public KeyMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
