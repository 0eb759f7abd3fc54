package dev.keyway.core.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Canonical associated data for {@link Aead}: says what a ciphertext is and where it belongs, so a
 * ciphertext copied into another row (another vault, another credential name, another version, or
 * another purpose) fails to open instead of silently decrypting there.
 *
 * <p>Encoding, designed so two different inputs can never produce the same bytes:
 *
 * <pre>
 *   u8   encoding version, 0x01
 *   str  purpose label, e.g. "keyway/credential"
 *   then the purpose's fields in a fixed order, each either
 *   str  = u32 big-endian byte length, then that many UTF-8 bytes
 *   u32  = a 4-byte big-endian integer
 * </pre>
 *
 * <p>Length prefixes make field boundaries explicit ({@code ("ab","c")} and {@code ("a","bc")}
 * differ), the label separates purposes with equal fields, and strings must be well-formed UTF-16
 * (an unpaired surrogate would otherwise be replaced during encoding, letting two distinct strings
 * collide). These bytes are part of the stored-data format: never change an existing encoding; add a
 * new label instead.
 */
public final class Aad {
    private static final byte ENCODING_VERSION = 0x01;

    private Aad() {}

    /**
     * Associated data for one version of a credential value, sealed with its vault's data key.
     *
     * @param version the credential version (non-negative); a re-encrypted older version cannot be
     *     passed off as the current one
     */
    public static byte[] credential(String vaultId, String credentialName, int version) {
        if (version < 0) {
            throw new IllegalArgumentException("credential version must be >= 0, got " + version);
        }
        return new Builder("keyway/credential")
                .text("vaultId", vaultId)
                .text("credentialName", credentialName)
                .int32(version)
                .build();
    }

    /**
     * Associated data for the authentication secrets of one credential source (issue 10), sealed
     * with the default vault's data key like a credential value; bound to the source's (unique)
     * name and its secrets version, so secrets copied to another source or rolled back fail to open.
     */
    public static byte[] sourceSecrets(String sourceName, int version) {
        if (version < 0) {
            throw new IllegalArgumentException("secrets version must be >= 0, got " + version);
        }
        return new Builder("keyway/source-secrets").text("sourceName", sourceName).int32(version).build();
    }

    /**
     * Associated data for the secrets an OAuth-minted credential mints with (client secret, refresh
     * token; issue 12), sealed with its vault's data key like a credential value; bound to the
     * vault, the credential and the secrets version, so a rotated refresh token cannot be swapped
     * for an older one or another credential's.
     */
    public static byte[] oauthSecrets(String vaultId, String credentialName, int version) {
        if (version < 0) {
            throw new IllegalArgumentException("secrets version must be >= 0, got " + version);
        }
        return new Builder("keyway/oauth-secrets").text("vaultId", vaultId).text("credentialName", credentialName)
                .int32(version).build();
    }

    /** Associated data for a vault's data key, wrapped by the master key. */
    public static byte[] vaultKey(String vaultId) {
        return new Builder("keyway/vault-key").text("vaultId", vaultId).build();
    }

    /** Associated data for the proxy CA's private key of one Keyway instance, sealed by the master key. */
    public static byte[] caKey(String instanceId) {
        return new Builder("keyway/ca-key").text("instanceId", instanceId).build();
    }

    /** Associated data for the audit log's hash-chain key of one Keyway instance, sealed by the master key. */
    public static byte[] auditChainKey(String instanceId) {
        return new Builder("keyway/audit-chain-key").text("instanceId", instanceId).build();
    }

    /** Associated data for the master-key verifier (see {@link KeyCheck}). */
    public static byte[] verifier() {
        return new Builder("keyway/key-check").build();
    }

    /** Accumulates the canonical encoding; one instance per call. */
    private static final class Builder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

        Builder(String label) {
            out.write(ENCODING_VERSION);
            text("label", label);
        }

        Builder text(String field, String value) {
            Objects.requireNonNull(value, field);
            if (value.isEmpty()) {
                throw new IllegalArgumentException(field + " must not be empty");
            }
            byte[] utf8 = strictUtf8(field, value);
            int32(utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        Builder int32(int value) {
            out.write(value >>> 24);
            out.write(value >>> 16);
            out.write(value >>> 8);
            out.write(value);
            return this;
        }

        byte[] build() {
            return out.toByteArray();
        }

        private static byte[] strictUtf8(String field, String value) {
            try {
                ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(value));
                byte[] bytes = new byte[encoded.remaining()];
                encoded.get(bytes);
                return bytes;
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(field + " is not well-formed Unicode text");
            }
        }
    }
}
