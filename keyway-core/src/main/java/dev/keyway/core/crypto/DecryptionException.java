package dev.keyway.core.crypto;

/**
 * Sealed data could not be opened: wrong key, wrong associated data (the ciphertext belongs to a
 * different row, vault or version), tampering, truncation, or an unknown format version.
 *
 * <p>AES-GCM cannot tell these causes apart for an authentication failure, and it must not try to:
 * the message only says that authentication failed, never anything derived from the data.
 */
public final class DecryptionException extends CryptoException {

    /** Creates an exception whose message must not contain secret data. */
    public DecryptionException(String message) {
        super(message);
    }

    /** Creates an exception whose message must not contain secret data. */
    public DecryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
