package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MasterKeyTest {
    @Test
    void wrapsAndUnwrapsDataKeys() {
        MasterKey master = MasterKey.random();
        byte[] dataKey = DataKeys.generate();
        byte[] wrapped = master.wrap(dataKey, Aad.vaultKey("vlt_1"));

        assertThat(wrapped).hasSize(DataKeys.LENGTH + Aead.OVERHEAD);
        assertThat(master.unwrap(wrapped, Aad.vaultKey("vlt_1"))).isEqualTo(dataKey);
        assertThatThrownBy(() -> master.unwrap(wrapped, Aad.vaultKey("vlt_2")))
                .isInstanceOf(DecryptionException.class);
        assertThatThrownBy(() -> MasterKey.random().unwrap(wrapped, Aad.vaultKey("vlt_1")))
                .isInstanceOf(DecryptionException.class);
    }

    /**
     * Rotation: data keys are re-wrapped under the new master key; credential ciphertexts are not
     * touched and still open with the (unchanged) data key.
     */
    @Test
    void masterKeyRotationRewrapsDataKeysOnly() {
        MasterKey oldMaster = MasterKey.random();
        byte[] dataKey = DataKeys.generate();
        byte[] wrappedOld = oldMaster.wrap(dataKey, Aad.vaultKey("vlt_1"));
        byte[] credentialAad = Aad.credential("vlt_1", "github", 1);
        byte[] credential = Aead.seal(dataKey, "ghp_canary".getBytes(StandardCharsets.UTF_8), credentialAad);
        java.util.Arrays.fill(dataKey, (byte) 0); // only the wrapped form survives

        MasterKey newMaster = MasterKey.random();
        byte[] unwrapped = oldMaster.unwrap(wrappedOld, Aad.vaultKey("vlt_1"));
        byte[] wrappedNew = newMaster.wrap(unwrapped, Aad.vaultKey("vlt_1"));
        java.util.Arrays.fill(unwrapped, (byte) 0);
        oldMaster.wipe();

        byte[] recovered = newMaster.unwrap(wrappedNew, Aad.vaultKey("vlt_1"));
        assertThat(new String(Aead.open(recovered, credential, credentialAad), StandardCharsets.UTF_8))
                .isEqualTo("ghp_canary");
        assertThatThrownBy(() -> newMaster.unwrap(wrappedOld, Aad.vaultKey("vlt_1")))
                .isInstanceOf(DecryptionException.class);
    }

    @Test
    void sealsArbitrarySecretsLikeTheCaKey() {
        MasterKey master = MasterKey.random();
        byte[] pkcs8 = Randomness.bytes(138);
        byte[] sealed = master.seal(pkcs8, Aad.caKey("inst_1"));
        assertThat(master.open(sealed, Aad.caKey("inst_1"))).isEqualTo(pkcs8);
        assertThatThrownBy(() -> master.open(sealed, Aad.caKey("inst_2"))).isInstanceOf(DecryptionException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 16, 31, 33})
    void wrapRejectsDataKeysOfWrongLength(int length) {
        assertThatThrownBy(() -> MasterKey.random().wrap(new byte[length], Aad.vaultKey("v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("data key must be 32 bytes, got " + length);
    }

    @Test
    void unwrapRejectsSomethingThatIsNotADataKey() {
        MasterKey master = MasterKey.random();
        byte[] sealed = master.seal(new byte[5], Aad.vaultKey("v"));
        assertThatThrownBy(() -> master.unwrap(sealed, Aad.vaultKey("v")))
                .isInstanceOf(DecryptionException.class)
                .hasMessageContaining("not a 32-byte data key");
    }

    @Test
    void fromBytesCopiesAndValidates() {
        byte[] raw = Randomness.bytes(32);
        MasterKey key = MasterKey.fromBytes(raw);
        byte[] wrapped = key.wrap(new byte[32], Aad.vaultKey("v"));
        raw[0] ^= 1;
        assertThat(key.unwrap(wrapped, Aad.vaultKey("v"))).containsOnly(0);
        assertThatThrownBy(() -> MasterKey.fromBytes(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wipedKeyRefusesWorkAndToStringIsRedacted() {
        MasterKey key = MasterKey.random();
        assertThat(key).hasToString("MasterKey[redacted]");
        key.close();

        assertThat(key.isWiped()).isTrue();
        assertThatThrownBy(() -> key.wrap(new byte[32], Aad.vaultKey("v")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("master key has been wiped");
        assertThatThrownBy(key::exportBytes).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void dataKeysAreRandom32Bytes() {
        assertThat(DataKeys.generate()).hasSize(32).isNotEqualTo(DataKeys.generate());
    }

    @Test
    void aFreshKeyIsNotWipedAndAWipedOneSaysSo() {
        MasterKey key = MasterKey.random();
        assertThat(key.isWiped()).isFalse();
        key.wipe();
        assertThat(key.isWiped()).isTrue();
    }

    @Test
    void aWipedKeyRefusesToOpenOrUnwrapInsteadOfTryingAZeroKey() {
        MasterKey key = MasterKey.random();
        byte[] sealed = key.seal(new byte[] {1, 2, 3}, Aad.verifier());
        byte[] wrapped = key.wrap(new byte[32], Aad.vaultKey("v"));
        key.wipe();

        assertThatThrownBy(() -> key.open(sealed, Aad.verifier()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("master key has been wiped");
        assertThatThrownBy(() -> key.unwrap(wrapped, Aad.vaultKey("v")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> key.seal(new byte[] {1}, Aad.verifier()))
                .isInstanceOf(IllegalStateException.class);
    }
}
