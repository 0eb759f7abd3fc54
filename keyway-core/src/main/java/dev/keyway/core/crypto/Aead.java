package dev.keyway.core.crypto;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM authenticated encryption in Keyway's self-describing sealed format. Every value
 * Keyway encrypts at rest (credential values, wrapped data keys, the CA private key, the key
 * verifier) goes through here.
 *
 * <p>Sealed format, version 1:
 *
 * <pre>
 *   offset  size  field
 *   0       1     format version, 0x01
 *   1       12    nonce, fresh from SecureRandom for every seal
 *   13      n+16  AES-GCM ciphertext followed by the 128-bit tag
 * </pre>
 *
 * <p>The version byte is authenticated too (it is prepended to the caller's associated data), so a
 * future format cannot be confused with this one. Random 96-bit nonces are safe for far more than
 * the number of encryptions one key will ever see here (keys are per vault and rotated).
 *
 * <p>The associated data binds a ciphertext to where it belongs (see {@link Aad}): opening with
 * different associated data fails exactly like opening with the wrong key.
 */
public final class Aead {
    /** Current (and only) sealed-format version. */
    public static final byte VERSION = 0x01;
    /** AES-256 key length in bytes. */
    public static final int KEY_LENGTH = 32;
    /** GCM nonce length in bytes. */
    public static final int NONCE_LENGTH = 12;
    /** GCM tag length in bytes. */
    public static final int TAG_LENGTH = 16;
    /** Bytes a sealed value adds to its plaintext: version, nonce and tag. */
    public static final int OVERHEAD = 1 + NONCE_LENGTH + TAG_LENGTH;

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int HEADER_LENGTH = 1 + NONCE_LENGTH;

    private Aead() {}

    /**
     * Encrypts and authenticates {@code plaintext}, binding it to {@code aad}.
     *
     * @param key32 a 32-byte AES key; not modified
     * @param plaintext the data to protect; not modified (the caller should wipe it when done)
     * @param aad associated data that must be presented again to open; not secret, not stored
     * @return the sealed bytes: version, nonce, ciphertext and tag
     * @throws IllegalArgumentException if the key is not 32 bytes
     */
    public static byte[] seal(byte[] key32, byte[] plaintext, byte[] aad) {
        checkKey(key32);
        Objects.requireNonNull(plaintext, "plaintext");
        Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key32, Randomness.bytes(NONCE_LENGTH), aad);
        byte[] out = new byte[HEADER_LENGTH + plaintext.length + TAG_LENGTH];
        out[0] = VERSION;
        byte[] nonce = cipher.getIV();
        System.arraycopy(nonce, 0, out, 1, NONCE_LENGTH);
        try {
            int written = cipher.doFinal(plaintext, 0, plaintext.length, out, HEADER_LENGTH);
            if (written != plaintext.length + TAG_LENGTH) {
                throw new CryptoException("AES-GCM produced an unexpected output length");
            }
        } catch (GeneralSecurityException e) {
            throw new CryptoException("AES-GCM encryption failed", e);
        }
        return out;
    }

    /**
     * Verifies and decrypts a value produced by {@link #seal}.
     *
     * @param key32 the 32-byte key the value was sealed with; not modified
     * @param sealed the sealed bytes; not modified
     * @param aad exactly the associated data given to {@link #seal}
     * @return the plaintext, a fresh array the caller should wipe after use
     * @throws DecryptionException if the input is truncated, has an unknown version, or fails
     *     authentication (wrong key, wrong associated data, or tampered)
     * @throws IllegalArgumentException if the key is not 32 bytes
     */
    public static byte[] open(byte[] key32, byte[] sealed, byte[] aad) {
        checkKey(key32);
        Objects.requireNonNull(sealed, "sealed");
        if (sealed.length < OVERHEAD) {
            throw new DecryptionException("sealed data is truncated: " + sealed.length
                    + " bytes, at least " + OVERHEAD + " expected");
        }
        if (sealed[0] != VERSION) {
            throw new DecryptionException("unsupported sealed-data format version "
                    + Byte.toUnsignedInt(sealed[0]) + " (expected " + VERSION + ")");
        }
        byte[] nonce = new byte[NONCE_LENGTH];
        System.arraycopy(sealed, 1, nonce, 0, NONCE_LENGTH);
        Cipher cipher = cipher(Cipher.DECRYPT_MODE, key32, nonce, aad);
        try {
            return cipher.doFinal(sealed, HEADER_LENGTH, sealed.length - HEADER_LENGTH);
        } catch (AEADBadTagException e) {
            throw new DecryptionException(
                    "decryption failed: wrong key, wrong associated data, or tampered ciphertext");
        } catch (GeneralSecurityException e) {
            throw new DecryptionException("decryption failed", e);
        }
    }

    private static void checkKey(byte[] key32) {
        Objects.requireNonNull(key32, "key32");
        if (key32.length != KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "AES-256 key must be " + KEY_LENGTH + " bytes, got " + key32.length);
        }
    }

    private static Cipher cipher(int mode, byte[] key32, byte[] nonce, byte[] aad) {
        Objects.requireNonNull(aad, "aad");
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(mode, new SecretKeySpec(key32, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(new byte[] {VERSION});
            cipher.updateAAD(aad);
            return cipher;
        } catch (GeneralSecurityException e) {
            // AES-GCM is mandatory in every JDK; this is a broken runtime, not bad input.
            throw new CryptoException("AES-GCM is unavailable in this Java runtime", e);
        }
    }
}
