package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AeadTest {
    private static final byte[] KEY = DataKeys.generate();
    private static final byte[] PLAINTEXT = "sk-live-canary-4f1d2c".getBytes(StandardCharsets.UTF_8);
    private static final byte[] AAD = Aad.credential("vlt_1", "openai", 3);

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 1000, 65_536})
    void roundTripsAnyLength(int length) {
        byte[] plaintext = Randomness.bytes(length);
        byte[] sealed = Aead.seal(KEY, plaintext, AAD);

        assertThat(sealed).hasSize(length + Aead.OVERHEAD);
        assertThat(sealed[0]).isEqualTo(Aead.VERSION);
        assertThat(Aead.open(KEY, sealed, AAD)).isEqualTo(plaintext);
    }

    @Test
    void sealingTwiceUsesFreshNonces() {
        byte[] a = Aead.seal(KEY, PLAINTEXT, AAD);
        byte[] b = Aead.seal(KEY, PLAINTEXT, AAD);

        assertThat(Arrays.copyOfRange(a, 1, 13)).isNotEqualTo(Arrays.copyOfRange(b, 1, 13));
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void ciphertextDoesNotContainPlaintext() {
        byte[] sealed = Aead.seal(KEY, PLAINTEXT, AAD);
        String hex = HexFormat.of().formatHex(sealed);
        assertThat(hex).doesNotContain(HexFormat.of().formatHex(PLAINTEXT, 0, 6));
    }

    @Test
    void doesNotModifyInputs() {
        byte[] key = KEY.clone();
        byte[] plaintext = PLAINTEXT.clone();
        byte[] aad = AAD.clone();
        byte[] sealed = Aead.seal(key, plaintext, aad);
        byte[] sealedCopy = sealed.clone();
        Aead.open(key, sealed, aad);

        assertThat(key).isEqualTo(KEY);
        assertThat(plaintext).isEqualTo(PLAINTEXT);
        assertThat(aad).isEqualTo(AAD);
        assertThat(sealed).isEqualTo(sealedCopy);
    }

    static Stream<Arguments> otherLocations() {
        return Stream.of(
                Arguments.of("other vault", Aad.credential("vlt_2", "openai", 3)),
                Arguments.of("other name", Aad.credential("vlt_1", "anthropic", 3)),
                Arguments.of("other version", Aad.credential("vlt_1", "openai", 4)),
                Arguments.of("shifted field boundary", Aad.credential("vlt_1o", "penai", 3)),
                Arguments.of("other purpose", Aad.vaultKey("vlt_1")),
                Arguments.of("empty", new byte[0]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("otherLocations")
    void ciphertextCannotBeMovedToAnotherLocation(String description, byte[] otherAad) {
        byte[] sealed = Aead.seal(KEY, PLAINTEXT, AAD);

        assertThatThrownBy(() -> Aead.open(KEY, sealed, otherAad))
                .isInstanceOf(DecryptionException.class)
                .hasMessageContaining("wrong associated data");
    }

    @Test
    void wrongKeyFails() {
        byte[] sealed = Aead.seal(KEY, PLAINTEXT, AAD);

        assertThatThrownBy(() -> Aead.open(DataKeys.generate(), sealed, AAD))
                .isInstanceOf(DecryptionException.class);
    }

    static IntStream everyByteAfterTheVersion() {
        return IntStream.range(1, PLAINTEXT.length + Aead.OVERHEAD);
    }

    /** Flipping one bit anywhere in nonce, ciphertext or tag must be detected. */
    @ParameterizedTest
    @MethodSource("everyByteAfterTheVersion")
    void tamperingIsDetected(int position) {
        byte[] sealed = Aead.seal(KEY, PLAINTEXT, AAD);
        sealed[position] ^= 0x01;

        assertThatThrownBy(() -> Aead.open(KEY, sealed, AAD)).isInstanceOf(DecryptionException.class);
    }

    @Test
    void truncatedTagFails() {
        byte[] sealed = Aead.seal(KEY, PLAINTEXT, AAD);
        byte[] truncated = Arrays.copyOf(sealed, sealed.length - 1);

        assertThatThrownBy(() -> Aead.open(KEY, truncated, AAD)).isInstanceOf(DecryptionException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x02, 0x7f, 0xff})
    void unknownVersionIsRejected(int version) {
        byte[] sealed = Aead.seal(KEY, PLAINTEXT, AAD);
        sealed[0] = (byte) version;

        assertThatThrownBy(() -> Aead.open(KEY, sealed, AAD))
                .isInstanceOf(DecryptionException.class)
                .hasMessage("unsupported sealed-data format version " + version + " (expected 1)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 13, 28})
    void shortInputIsRejected(int length) {
        byte[] input = new byte[length];
        if (length > 0) {
            input[0] = Aead.VERSION;
        }
        assertThatThrownBy(() -> Aead.open(KEY, input, AAD))
                .isInstanceOf(DecryptionException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void minimalSealedValueOfEmptyPlaintextOpens() {
        byte[] sealed = Aead.seal(KEY, new byte[0], AAD);
        assertThat(sealed).hasSize(Aead.OVERHEAD);
        assertThat(Aead.open(KEY, sealed, AAD)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 16, 24, 31, 33, 64})
    void keyMustBe32Bytes(int length) {
        assertThatThrownBy(() -> Aead.seal(new byte[length], PLAINTEXT, AAD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AES-256 key must be 32 bytes, got " + length);
        assertThatThrownBy(() -> Aead.open(new byte[length], new byte[40], AAD))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void failureMessagesNeverContainData() {
        byte[] sealed = Aead.seal(KEY, PLAINTEXT, AAD);
        sealed[sealed.length - 1] ^= 1;
        String hexKey = HexFormat.of().formatHex(KEY);

        assertThatThrownBy(() -> Aead.open(KEY, sealed, AAD))
                .satisfies(e -> assertThat(e.toString())
                        .doesNotContain("canary")
                        .doesNotContain(hexKey)
                        .doesNotContain(HexFormat.of().formatHex(sealed, 13, 20)));
    }

    @Test
    void opensTheStoredFormatWrittenByAPlainAesGcmImplementation() throws Exception {
        // the on-disk format, built independently: version byte, nonce, AES-GCM over the plaintext
        // with associated data (version byte || aad); a change to it would orphan every vault
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 7);
        byte[] nonce = HexFormat.of().parseHex("000102030405060708090a0b");
        byte[] aad = "keyway/test".getBytes(StandardCharsets.UTF_8);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"),
                new GCMParameterSpec(128, nonce));
        c.updateAAD(new byte[] {Aead.VERSION});
        c.updateAAD(aad);
        byte[] ct = c.doFinal("hello".getBytes(StandardCharsets.UTF_8));
        byte[] sealed = new byte[1 + nonce.length + ct.length];
        sealed[0] = Aead.VERSION;
        System.arraycopy(nonce, 0, sealed, 1, nonce.length);
        System.arraycopy(ct, 0, sealed, 1 + nonce.length, ct.length);

        assertThat(new String(Aead.open(key, sealed, aad), StandardCharsets.UTF_8)).isEqualTo("hello");
    }
}
