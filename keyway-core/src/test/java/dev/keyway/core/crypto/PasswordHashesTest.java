package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

class PasswordHashesTest {
    @Test
    void hashVerifiesOnlyTheRightPassword() {
        String h = PasswordHashes.hash("correct horse battery".toCharArray());
        assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain("correct");
        assertThat(PasswordHashes.verify("correct horse battery".toCharArray(), h)).isTrue();
        assertThat(PasswordHashes.verify("correct horse batterz".toCharArray(), h)).isFalse();
        assertThat(PasswordHashes.verify("".toCharArray(), h)).isFalse();
        assertThat(PasswordHashes.hash("correct horse battery".toCharArray())).isNotEqualTo(h); // random salt
    }

    @Test
    void malformedHashesNeverVerify() {
        for (String bad : new String[] {"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHQ$aGFzaA"}) {
            assertThat(PasswordHashes.verify("whatever password".toCharArray(), bad)).as(bad).isFalse();
        }
    }

    @Test
    void shortPasswordsAreRefused() {
        assertThatThrownBy(() -> PasswordHashes.hash("short".toCharArray()))
                .isInstanceOf(KeyMaterialException.class).hasMessageContaining("12");
    }

    @Test
    void aPasswordOfExactlyTheMinimumLengthIsAccepted() {
        char[] twelve = "abcdefghijkl".toCharArray();
        assertThat(PasswordHashes.verify(twelve, PasswordHashes.hash(twelve))).isTrue();
    }

    @Test
    void theCheapestParametersArgonAllowsStillVerify() {
        // m = 8 * p and t = 1 are Argon2's own minimums: a hash made with them (e.g. by another
        // tool) must verify, and one just below them is refused before any work is done
        byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        String password = "correct horse battery";
        byte[] out = new byte[32];
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(8).withIterations(1).withParallelism(1).withSalt(salt).build());
        g.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        String tail = "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(out);

        assertThat(PasswordHashes.verify(password.toCharArray(), "$argon2id$v=19$m=8,t=1,p=1" + tail)).isTrue();
        assertThat(PasswordHashes.verify("wrong password!".toCharArray(), "$argon2id$v=19$m=8,t=1,p=1" + tail))
                .isFalse();
        assertThat(PasswordHashes.verify(password.toCharArray(), "$argon2id$v=19$m=7,t=1,p=1" + tail)).isFalse();
        assertThat(PasswordHashes.verify(password.toCharArray(), "$argon2id$v=19$m=8,t=0,p=1" + tail)).isFalse();
        assertThat(PasswordHashes.verify(password.toCharArray(), "$argon2id$v=19$m=8,t=1,p=0" + tail)).isFalse();
    }
}
