package dev.keyway.core.crypto;

/**
 * Base of every failure raised by Keyway's cryptographic primitives.
 *
 * <p>Unchecked because callers rarely recover locally: a credential that cannot be decrypted or a
 * master key that cannot be loaded is reported at a boundary (an HTTP problem, a proxy error, a CLI
 * exit). The message is safe to show and log: it never contains key material, plaintext,
 * ciphertext or passwords, only what went wrong and, where possible, how to fix it.
 */
public sealed class CryptoException extends RuntimeException
        permits DecryptionException, KeyMaterialException {

    /** Creates an exception whose message must not contain secret data. */
    public CryptoException(String message) {
        super(message);
    }

    /** Creates an exception whose message must not contain secret data. */
    public CryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
