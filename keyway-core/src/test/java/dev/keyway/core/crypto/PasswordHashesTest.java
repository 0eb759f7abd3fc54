package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
