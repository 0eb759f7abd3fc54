package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KdfParamsTest {
    private static final String SALT16 = "AAECAwQFBgcICQoLDA0ODw"; // bytes 0..15, unpadded

    @Test
    void defaultsAreRfc9106SecondOptionWithRandomSalt() {
        KdfParams p = KdfParams.defaults();

        assertThat(p.algorithm()).isEqualTo("argon2id");
        assertThat(p.version()).isEqualTo(19);
        assertThat(p.memoryKiB()).isEqualTo(65_536);
        assertThat(p.iterations()).isEqualTo(3);
        assertThat(p.parallelism()).isEqualTo(1);
        assertThat(p.salt()).hasSize(16);
        assertThat(KdfParams.defaults().salt()).isNotEqualTo(p.salt());
    }

    @Test
    void encodesToCompactForm() {
        KdfParams p = new KdfParams("argon2id", 19, 65_536, 3, 1, Base64.getDecoder().decode(SALT16));
        assertThat(p.encode()).isEqualTo("argon2id$v=19$m=65536,t=3,p=1$" + SALT16);
        assertThat(p.toString()).isEqualTo("KdfParams[argon2id$v=19$m=65536,t=3,p=1$" + SALT16 + "]");
    }

    @Test
    void roundTrips() {
        KdfParams p = KdfParams.defaults();
        KdfParams decoded = KdfParams.decode(p.encode());

        assertThat(decoded).isEqualTo(p).hasSameHashCodeAs(p);
        assertThat(decoded.salt()).isEqualTo(p.salt());
        assertThat(KdfParams.decode("argon2id$v=19$m=19456,t=2,p=1$" + SALT16).encode())
                .isEqualTo("argon2id$v=19$m=19456,t=2,p=1$" + SALT16);
    }

    @Test
    void acceptsPaddedSalt() {
        assertThat(KdfParams.decode("argon2id$v=19$m=65536,t=3,p=1$" + SALT16 + "==").salt())
                .isEqualTo(Base64.getDecoder().decode(SALT16));
    }

    @Test
    void saltIsCopied() {
        byte[] salt = new byte[16];
        KdfParams p = new KdfParams("argon2id", 19, 65_536, 3, 1, salt);
        salt[0] = 1;
        p.salt()[1] = 1;
        assertThat(p.salt()).containsOnly(0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""                                               | expected 4 '$'-separated parts
            garbage                                          | expected 4 '$'-separated parts
            argon2id$v=19$m=65536,t=3,p=1                    | expected 4 '$'-separated parts
            argon2id$v=19$m=65536,t=3,p=1$SALT$extra         | expected 4 '$'-separated parts
            $argon2id$v=19$m=65536,t=3,p=1$SALT              | expected 4 '$'-separated parts
            argon2i$v=19$m=65536,t=3,p=1$SALT                | unsupported algorithm 'argon2i'
            scrypt$v=19$m=65536,t=3,p=1$SALT                 | unsupported algorithm 'scrypt'
            argon2id$v=16$m=65536,t=3,p=1$SALT               | unsupported Argon2 version 16
            argon2id$19$m=65536,t=3,p=1$SALT                 | expected 'v=...' but found '19'
            argon2id$v=$m=65536,t=3,p=1$SALT                 | 'v' must be a decimal number
            argon2id$v=19$m=65536,t=3$SALT                   | expected cost parameters
            argon2id$v=19$m=65536,t=3,p=1,x=2$SALT           | expected cost parameters
            argon2id$v=19$t=3,m=65536,p=1$SALT               | expected 'm=...' but found 't=3'
            argon2id$v=19$m=64M,t=3,p=1$SALT                 | 'm' must be a decimal number
            argon2id$v=19$m=-65536,t=3,p=1$SALT              | 'm' must be a decimal number
            argon2id$v=19$m=+65536,t=3,p=1$SALT              | 'm' must be a decimal number
            argon2id$v=19$m=99999999999,t=3,p=1$SALT         | 'm' must be a decimal number of at most 9 digits
            argon2id$v=19$m= 65536,t=3,p=1$SALT              | 'm' must be a decimal number
            argon2id$v=19$m=19455,t=3,p=1$SALT               | memory (m, KiB) must be between 19456 and 4194304, got 19455
            argon2id$v=19$m=4096,t=3,p=1$SALT                | memory (m, KiB) must be between 19456
            argon2id$v=19$m=4194305,t=3,p=1$SALT             | memory (m, KiB) must be between 19456 and 4194304
            argon2id$v=19$m=65536,t=1,p=1$SALT               | iterations (t) must be between 2 and 64, got 1
            argon2id$v=19$m=65536,t=0,p=1$SALT               | iterations (t) must be between 2 and 64
            argon2id$v=19$m=65536,t=65,p=1$SALT              | iterations (t) must be between 2 and 64
            argon2id$v=19$m=65536,t=3,p=0$SALT               | parallelism (p) must be between 1 and 16, got 0
            argon2id$v=19$m=65536,t=3,p=17$SALT              | parallelism (p) must be between 1 and 16
            argon2id$v=19$m=65536,t=3,p=1$                   | salt length (bytes) must be between 16 and 64, got 0
            argon2id$v=19$m=65536,t=3,p=1$AAECAwQFBgcICQoLDA0O | salt length (bytes) must be between 16 and 64, got 15
            argon2id$v=19$m=65536,t=3,p=1$not*base64!        | salt is not valid base64
            """)
    void rejectsGarbageAndWeakParameters(String encoded, String expectedMessage) {
        String input = encoded.replace("SALT", SALT16);
        assertThatThrownBy(() -> KdfParams.decode(input))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageStartingWith("invalid KDF parameters: ")
                .hasMessageContaining(expectedMessage);
    }

    @Test
    void constructorEnforcesTheFloorToo() {
        assertThatThrownBy(() -> KdfParams.withRandomSalt(8192, 3, 1))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessage("Argon2 memory (m, KiB) must be between 19456 and 4194304, got 8192");
        assertThat(KdfParams.withRandomSalt(19_456, 2, 1).memoryKiB()).isEqualTo(19_456);
    }

    @Test
    void echoedInputIsSanitisedAndShort() {
        assertThatThrownBy(() -> KdfParams.decode("argon2id\n\u0000x" + "y".repeat(100) + "$v=19$m=1,t=1,p=1$x"))
                .hasMessageContaining("unsupported algorithm 'argon2id??x")
                .hasMessageContaining("...'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("y".repeat(40)));
    }

    @Test
    void theCeilingsAreInclusive() {
        KdfParams p = KdfParams.withRandomSalt(
                KdfParams.MAX_MEMORY_KIB, KdfParams.MAX_ITERATIONS, KdfParams.MAX_PARALLELISM);
        assertThat(p.memoryKiB()).isEqualTo(KdfParams.MAX_MEMORY_KIB);
        assertThat(p.iterations()).isEqualTo(KdfParams.MAX_ITERATIONS);
    }

    @Test
    void aNumberOfExactlyNineDigitsIsAccepted() {
        assertThat(KdfParams.decode("argon2id$v=19$m=000065536,t=3,p=1$" + SALT16).memoryKiB()).isEqualTo(65_536);
        assertThatThrownBy(() -> KdfParams.decode("argon2id$v=19$m=0000065536,t=3,p=1$" + SALT16))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("at most 9 digits");
    }

    @Test
    void echoKeepsThirtyTwoCharactersWholeAndMapsOnlyNonPrintablesToQuestionMarks() {
        String field = "a b\u007f~" + "c".repeat(27); // 32 characters: space and '~' printable, DEL not
        assertThat(field).hasSize(32);
        assertThatThrownBy(() -> KdfParams.decode("argon2id$" + field + "$m=65536,t=3,p=1$" + SALT16))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageEndingWith("but found 'a b?~" + "c".repeat(27) + "'");
    }

    @Test
    void paramsDifferingInAnyFieldAreNotEqual() {
        byte[] salt = Base64.getDecoder().decode(SALT16);
        KdfParams p = new KdfParams("argon2id", 19, 65_536, 3, 1, salt);
        assertThat(p).isEqualTo(new KdfParams("argon2id", 19, 65_536, 3, 1, salt.clone()));
        assertThat(p).isNotEqualTo(new KdfParams("argon2id", 19, 65_537, 3, 1, salt));
        assertThat(p).isNotEqualTo(new KdfParams("argon2id", 19, 65_536, 4, 1, salt));
        assertThat(p).isNotEqualTo(new KdfParams("argon2id", 19, 65_536, 3, 2, salt));
        assertThat(p).isNotEqualTo(new KdfParams("argon2id", 19, 65_536, 3, 1, new byte[16]));
        assertThat(p).isNotEqualTo("argon2id$v=19$m=65536,t=3,p=1$" + SALT16);
    }
}
