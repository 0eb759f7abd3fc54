package dev.keyway.core.crypto;

/**
 * Source of per-vault data keys: the keys that actually encrypt credential values.
 *
 * <p>Each vault gets its own random AES-256 key, stored only wrapped by the {@link MasterKey}
 * (with {@link Aad#vaultKey(String)}). Keeping data keys separate from the master key is what makes
 * master-key rotation cheap: only the small wrapped keys are re-encrypted, never the credentials.
 */
public final class DataKeys {
    /** Data key length in bytes (AES-256). */
    public static final int LENGTH = Aead.KEY_LENGTH;

    private DataKeys() {}

    /** Returns a fresh random 32-byte data key; the caller wraps it, uses it, and wipes it. */
    public static byte[] generate() {
        return Randomness.bytes(LENGTH);
    }
}
