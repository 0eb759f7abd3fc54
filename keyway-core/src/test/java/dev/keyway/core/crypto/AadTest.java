package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AadTest {
    @Test
    void encodingIsStable() {
        // Stored ciphertexts depend on these exact bytes; changing them breaks existing data.
        assertThat(HexFormat.of().formatHex(Aad.credential("v", "n", 258)))
                .isEqualTo("01" + "00000011" + HexFormat.of().formatHex("keyway/credential".getBytes())
                        + "00000001" + "76" + "00000001" + "6e" + "00000102");
        assertThat(HexFormat.of().formatHex(Aad.verifier()))
                .isEqualTo("01" + "00000010" + HexFormat.of().formatHex("keyway/key-check".getBytes()));
    }

    @Test
    void distinctInputsNeverCollide() {
        List<byte[]> all = List.of(
                Aad.credential("ab", "c", 1),
                Aad.credential("a", "bc", 1),
                Aad.credential("a", "bc", 2),
                Aad.credential("b", "a", 1),
                Aad.credential("ä", "c", 1),
                Aad.vaultKey("ab"),
                Aad.vaultKey("a"),
                Aad.caKey("ab"),
                Aad.caKey("a"),
                Aad.verifier());
        Set<String> seen = new HashSet<>();
        for (byte[] aad : all) {
            assertThat(seen.add(HexFormat.of().formatHex(aad))).isTrue();
        }
    }

    @Test
    void sameInputsGiveSameBytes() {
        assertThat(Aad.credential("vlt_1", "github", 7)).isEqualTo(Aad.credential("vlt_1", "github", 7));
        assertThat(Aad.vaultKey("vlt_1")).isEqualTo(Aad.vaultKey("vlt_1"));
    }

    @Test
    void rejectsAmbiguousOrEmptyFields() {
        assertThatThrownBy(() -> Aad.credential("", "n", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vaultId must not be empty");
        assertThatThrownBy(() -> Aad.credential("v", "", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aad.credential("v", "n", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aad.caKey("")).isInstanceOf(IllegalArgumentException.class);
        // Unpaired surrogates would both encode to '?' and collide.
        assertThatThrownBy(() -> Aad.credential("v", "x\uD800", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("credentialName is not well-formed Unicode text");
        assertThatThrownBy(() -> Aad.vaultKey("\uDC00")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void versionZeroIsAValidCredentialVersion() {
        assertThat(Aad.credential("vault", "cred", 0)).isNotEmpty();
    }

    @Test
    void everyByteOfTheVersionIsBoundIntoTheAad() {
        // each version differs from 0 in exactly one byte of its big-endian encoding: dropping any
        // byte would let a re-encrypted version pass for another
        List<Integer> versions = List.of(0, 0x01, 0x0100, 0x01_0000, 0x0100_0000, Integer.MAX_VALUE);
        Set<String> seen = new HashSet<>();
        for (int v : versions) {
            seen.add(HexFormat.of().formatHex(Aad.credential("vault", "cred", v)));
        }
        assertThat(seen).hasSize(versions.size());
    }
}
