package dev.keyway.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A stored verifier that tells, at start-up, whether the master key in hand is the one the data was
 * encrypted with, so a mistyped master password or the wrong key file is reported immediately and
 * clearly instead of as a decryption failure on the first proxied request.
 *
 * <p>The verifier is a fixed constant sealed under the master key with {@link Aad#verifier()},
 * base64-encoded. It reveals nothing about the key beyond what any other ciphertext does, and
 * because it uses AES-GCM rather than a hash, it is not a fast offline oracle for password guessing:
 * every guess still costs a full Argon2id derivation.
 */
public final class KeyCheck {
    private static final byte[] CONSTANT = "keyway master key check v1".getBytes(StandardCharsets.US_ASCII);
    private static final int SEALED_LENGTH = CONSTANT.length + Aead.OVERHEAD;

    private KeyCheck() {}

    /** Creates a verifier for {@code key}; store it next to the data (it is not secret). */
    public static String create(MasterKey key) {
        Objects.requireNonNull(key, "key");
        return Base64.getEncoder().encodeToString(key.seal(CONSTANT, Aad.verifier()));
    }

    /**
     * Whether {@code key} is the key {@code verifier} was created with.
     *
     * @return {@code false} for a different key (wrong password or key file)
     * @throws KeyMaterialException if {@code verifier} is not a verifier at all (corrupted storage),
     *     which is a different problem from a wrong key and deserves a different message
     */
    public static boolean matches(MasterKey key, String verifier) {
        Objects.requireNonNull(key, "key");
        byte[] sealed = decode(verifier);
        byte[] plaintext;
        try {
            plaintext = key.open(sealed, Aad.verifier());
        } catch (DecryptionException e) {
            return false;
        }
        boolean ok = MessageDigest.isEqual(plaintext, CONSTANT);
        Arrays.fill(plaintext, (byte) 0);
        return ok;
    }

    /**
     * Fails start-up with a clear message unless {@code key} matches {@code verifier}.
     *
     * @throws KeyMaterialException if the key is wrong or the verifier is malformed
     */
    public static void requireMatch(MasterKey key, String verifier) {
        if (!matches(key, verifier)) {
            throw new KeyMaterialException("the master key does not match the one this data was encrypted"
                    + " with: wrong master password or wrong key file");
        }
    }

    private static byte[] decode(String verifier) {
        Objects.requireNonNull(verifier, "verifier");
        byte[] sealed;
        try {
            sealed = Base64.getDecoder().decode(verifier.strip());
        } catch (IllegalArgumentException e) {
            throw corrupt();
        }
        if (sealed.length != SEALED_LENGTH || sealed[0] != Aead.VERSION) {
            throw corrupt();
        }
        return sealed;
    }

    private static KeyMaterialException corrupt() {
        return new KeyMaterialException("the stored master-key verifier is malformed; the data directory"
                + " may be corrupted");
    }
}
