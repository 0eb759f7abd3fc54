package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Argon2id derivation. Uses the parameter floor (m=19456, t=2) to keep each derivation ~0.1 s. */
class MasterKeysTest {
    private static final byte[] SALT = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
    private static final KdfParams FLOOR = new KdfParams("argon2id", 19, 19_456, 2, 1, SALT);

    /**
     * Expected keys computed independently with the Argon2 reference implementation (libargon2,
     * {@code argon2id_hash_raw(t=2, m=19456, p=1, pwd, salt=00..0f, 32)}). The second password has
     * non-ASCII and supplementary characters, checking the UTF-8 encoding.
     */
    @ParameterizedTest
    @CsvSource({
        "correct horse battery staple, 818259b6310026a8e0dbac5d2e6927abcfdb07b32258fac4f61b18b80f929085",
        "pässwörd-€-\uD83D\uDD11,      2d850dcce8ec8f7e55987e8f2a36325fd908621a37d4456c02c98dd47922ae3b",
    })
    void matchesReferenceImplementation(String password, String expectedHex) {
        try (MasterKey key = MasterKeys.deriveFromPassword(password.toCharArray(), FLOOR)) {
            assertThat(HexFormat.of().formatHex(key.exportBytes())).isEqualTo(expectedHex);
        }
    }

    @Test
    void samePasswordAndSaltGiveSameKeyAndOtherSaltDoesNot() {
        char[] password = "correct horse battery staple".toCharArray();
        byte[] first = MasterKeys.deriveFromPassword(password, FLOOR).exportBytes();
        byte[] again = MasterKeys.deriveFromPassword(password, KdfParams.decode(FLOOR.encode())).exportBytes();
        byte[] otherSalt = MasterKeys.deriveFromPassword(password, KdfParams.withRandomSalt(19_456, 2, 1))
                .exportBytes();

        assertThat(again).isEqualTo(first);
        assertThat(otherSalt).isNotEqualTo(first);
        assertThat(password).isEqualTo("correct horse battery staple".toCharArray()); // caller's array untouched
    }

    @Test
    void rejectsEmptyAndMalformedPasswords() {
        assertThatThrownBy(() -> MasterKeys.deriveFromPassword(new char[0], FLOOR))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessage("master password must not be empty");
        assertThatThrownBy(() -> MasterKeys.deriveFromPassword(new char[] {'a', '\uD800'}, FLOOR))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("invalid characters");
    }

    @Test
    void anUnpairedSurrogateIsRefusedWithAPreciseError() {
        char[] password = {'a', '\uD800', 'b'};
        assertThatThrownBy(() -> MasterKeys.utf8(password))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("unpaired surrogate");
    }
}
