package dev.keyway.core.crypto;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Turns an operator's master password into the {@link MasterKey}, with Argon2id.
 *
 * <p>Argon2id is memory-hard, so a stolen database cannot be brute-forced cheaply. The parameters
 * and salt come from a {@link KdfParams} stored with the data; with the defaults one derivation costs
 * about a quarter of a second, paid once at start-up. BouncyCastle is used as a plain library (its
 * generator class), never registered as a JCA provider.
 */
public final class MasterKeys {
    private MasterKeys() {}

    /**
     * Derives the 32-byte master key for {@code password} under {@code params}. Same password and
     * params always give the same key. The password is encoded as UTF-8.
     *
     * <p>The caller keeps ownership of {@code password} and should wipe it afterwards; every
     * intermediate copy made here is zeroed before returning.
     *
     * @throws KeyMaterialException if the password is empty or is not well-formed UTF-16 text
     */
    public static MasterKey deriveFromPassword(char[] password, KdfParams params) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(params, "params");
        if (password.length == 0) {
            throw new KeyMaterialException("master password must not be empty");
        }
        byte[] salt = params.salt();
        byte[] passwordBytes = utf8(password);
        byte[] key = new byte[MasterKey.LENGTH];
        Argon2Parameters.Builder builder = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(params.memoryKiB())
                .withIterations(params.iterations())
                .withParallelism(params.parallelism())
                .withSalt(salt);
        try {
            Argon2BytesGenerator generator = new Argon2BytesGenerator();
            generator.init(builder.build());
            generator.generateBytes(passwordBytes, key);
            return MasterKey.adopt(key);
        } catch (RuntimeException e) {
            Arrays.fill(key, (byte) 0);
            throw e;
        } finally {
            Arrays.fill(passwordBytes, (byte) 0);
            builder.clear();
        }
    }

    /** Strict UTF-8 encoding that leaves no unwiped copy behind. */
    static byte[] utf8(char[] password) {
        ByteBuffer encoded = null;
        try {
            encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(password));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new KeyMaterialException("master password contains invalid characters (unpaired surrogate)");
        } finally {
            if (encoded != null && encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
        }
    }
}
