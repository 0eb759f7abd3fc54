package dev.keyway.core.crypto;

import java.util.Arrays;
import java.util.Objects;

/**
 * The root key of a Keyway installation: a 32-byte AES key, derived from the operator's master
 * password ({@link MasterKeys#deriveFromPassword}) or loaded from a key file ({@link KeyFile}).
 *
 * <p>It never encrypts credentials directly. It wraps the per-vault data keys ({@link #wrap}) and
 * seals a few small instance secrets such as the proxy CA private key ({@link #seal}). Replacing the
 * master key therefore only means unwrapping and re-wrapping those few values.
 *
 * <p>The key bytes never leave this object except as a copy for writing a key file, and
 * {@link #toString()} is redacted. Call {@link #wipe()} (or {@link #close()}) on shutdown or after
 * rotation; a wiped key rejects every operation. Instances are safe to share between threads as
 * long as nobody wipes a key that others still use.
 */
public final class MasterKey implements AutoCloseable {
    /** Master key length in bytes (AES-256). */
    public static final int LENGTH = Aead.KEY_LENGTH;

    private final byte[] key;
    private volatile boolean wiped;

    private MasterKey(byte[] key) {
        if (key.length != LENGTH) {
            throw new IllegalArgumentException("master key must be " + LENGTH + " bytes, got " + key.length);
        }
        this.key = key;
    }

    /** Returns a new random master key, for installations that use a key file instead of a password. */
    public static MasterKey random() {
        return new MasterKey(Randomness.bytes(LENGTH));
    }

    /** Returns a master key holding a copy of {@code key32}; the caller should wipe its array. */
    public static MasterKey fromBytes(byte[] key32) {
        return new MasterKey(Objects.requireNonNull(key32, "key32").clone());
    }

    /** Takes ownership of {@code key32} without copying; only for freshly derived or decoded keys. */
    static MasterKey adopt(byte[] key32) {
        return new MasterKey(key32);
    }

    /**
     * Encrypts a 32-byte data key for storage.
     *
     * @param dataKey the data key to protect (see {@link DataKeys#generate()}); not modified
     * @param aad where the wrapped key belongs, normally {@link Aad#vaultKey(String)}
     */
    public byte[] wrap(byte[] dataKey, byte[] aad) {
        Objects.requireNonNull(dataKey, "dataKey");
        if (dataKey.length != DataKeys.LENGTH) {
            throw new IllegalArgumentException(
                    "data key must be " + DataKeys.LENGTH + " bytes, got " + dataKey.length);
        }
        return seal(dataKey, aad);
    }

    /**
     * Recovers a data key wrapped by {@link #wrap} with this master key and the same {@code aad}.
     *
     * @return the 32-byte data key; the caller should wipe it when done
     * @throws DecryptionException if this is not the key it was wrapped with, the associated data
     *     differs, or the stored value was altered
     */
    public byte[] unwrap(byte[] wrapped, byte[] aad) {
        byte[] dataKey = open(wrapped, aad);
        if (dataKey.length != DataKeys.LENGTH) {
            Arrays.fill(dataKey, (byte) 0);
            throw new DecryptionException("unwrapped value is not a " + DataKeys.LENGTH + "-byte data key");
        }
        return dataKey;
    }

    /** Seals an arbitrary small secret (e.g. the CA private key) under the master key; see {@link Aead#seal}. */
    public byte[] seal(byte[] plaintext, byte[] aad) {
        checkNotWiped();
        return Aead.seal(key, plaintext, aad);
    }

    /** Opens a value sealed by {@link #seal}; see {@link Aead#open}. */
    public byte[] open(byte[] sealed, byte[] aad) {
        checkNotWiped();
        return Aead.open(key, sealed, aad);
    }

    /** A copy of the raw key, for writing a key file; the caller must wipe it. */
    byte[] exportBytes() {
        checkNotWiped();
        return key.clone();
    }

    /** Whether {@link #wipe()} has been called. */
    public boolean isWiped() {
        return wiped;
    }

    /** Zeroes the key; afterwards every operation throws {@link IllegalStateException}. Idempotent. */
    public void wipe() {
        wiped = true;
        Arrays.fill(key, (byte) 0);
    }

    /** Same as {@link #wipe()}. */
    @Override
    public void close() {
        wipe();
    }

    /** Always {@code MasterKey[redacted]}. */
    @Override
    public String toString() {
        return "MasterKey[redacted]";
    }

    private void checkNotWiped() {
        if (wiped) {
            throw new IllegalStateException("master key has been wiped");
        }
    }
}
