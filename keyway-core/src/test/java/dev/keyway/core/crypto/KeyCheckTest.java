package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyCheckTest {
    @Test
    void verifierMatchesItsKeyOnly() {
        MasterKey key = MasterKey.random();
        String verifier = KeyCheck.create(key);

        assertThat(KeyCheck.matches(key, verifier)).isTrue();
        assertThat(KeyCheck.matches(MasterKey.fromBytes(key.exportBytes()), verifier)).isTrue();
        assertThat(KeyCheck.matches(MasterKey.random(), verifier)).isFalse();
        KeyCheck.requireMatch(key, verifier);
    }

    @Test
    void wrongMasterPasswordIsRejectedAtStartUp() {
        KdfParams params = KdfParams.withRandomSalt(KdfParams.MIN_MEMORY_KIB, KdfParams.MIN_ITERATIONS, 1);
        // first start: derive, store params + verifier
        String storedParams = params.encode();
        String verifier = KeyCheck.create(MasterKeys.deriveFromPassword("right password".toCharArray(), params));
        // later start with a typo
        MasterKey typo = MasterKeys.deriveFromPassword("right passwort".toCharArray(), KdfParams.decode(storedParams));

        assertThat(KeyCheck.matches(typo, verifier)).isFalse();
        assertThatThrownBy(() -> KeyCheck.requireMatch(typo, verifier))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("wrong master password or wrong key file");
    }

    @Test
    void verifiersAreRandomized() {
        MasterKey key = MasterKey.random();
        assertThat(KeyCheck.create(key)).isNotEqualTo(KeyCheck.create(key));
    }

    @Test
    void tamperedVerifierDoesNotMatch() {
        MasterKey key = MasterKey.random();
        byte[] raw = Base64.getDecoder().decode(KeyCheck.create(key));
        raw[20] ^= 1;
        assertThat(KeyCheck.matches(key, Base64.getEncoder().encodeToString(raw))).isFalse();
    }

    @Test
    void verifierSealedForAnotherPurposeDoesNotMatch() {
        MasterKey key = MasterKey.random();
        byte[] constantUnderOtherAad = key.seal("keyway master key check v1".getBytes(), Aad.vaultKey("x"));
        assertThat(KeyCheck.matches(key, Base64.getEncoder().encodeToString(constantUnderOtherAad))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not base64!", "AAAA"})
    void malformedVerifierIsReportedAsCorruption(String verifier) {
        assertThatThrownBy(() -> KeyCheck.matches(MasterKey.random(), verifier))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("verifier is malformed");
    }

    @Test
    void verifierWithRightLengthButUnknownFormatIsReportedAsCorruption() {
        MasterKey key = MasterKey.random();
        byte[] raw = Base64.getDecoder().decode(KeyCheck.create(key));
        raw[0] = 2;
        String wrongVersion = Base64.getEncoder().encodeToString(raw);
        String tooLong = Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(raw, raw.length + 1));

        assertThatThrownBy(() -> KeyCheck.matches(key, wrongVersion)).isInstanceOf(KeyMaterialException.class);
        assertThatThrownBy(() -> KeyCheck.matches(key, tooLong)).isInstanceOf(KeyMaterialException.class);
    }

    @Test
    void aVerifierSealedByTheKeyOverOtherContentDoesNotMatch() {
        // authentic under this key (so decryption succeeds) but not the check constant
        MasterKey key = MasterKey.random();
        byte[] other = "keyway master key check v2".getBytes(StandardCharsets.US_ASCII);
        String verifier = Base64.getEncoder().encodeToString(key.seal(other, Aad.verifier()));

        assertThat(KeyCheck.matches(key, verifier)).isFalse();
        assertThat(KeyCheck.matches(key, KeyCheck.create(key))).isTrue();
    }
}
