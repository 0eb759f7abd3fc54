package dev.keyway.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretValueTest {
    @Test
    void toStringIsRedacted() {
        SecretValue secret = SecretValue.ofUtf8("sk-canary-123");
        assertThat(secret.toString()).isEqualTo("SecretValue[redacted]");
        assertThat(String.valueOf(secret)).doesNotContain("canary");
    }

    @Test
    void copiesOnTheWayInAndOut() {
        byte[] input = {1, 2, 3};
        SecretValue secret = SecretValue.of(input);
        input[0] = 9;
        byte[] out = secret.bytes();
        out[1] = 9;

        assertThat(secret.bytes()).containsExactly(1, 2, 3);
        assertThat(secret.length()).isEqualTo(3);
    }

    @Test
    void decodesUtf8() {
        byte[] utf8 = "pässwörd €".getBytes(StandardCharsets.UTF_8);
        assertThat(SecretValue.of(utf8).asString()).isEqualTo("pässwörd €");
        assertThat(SecretValue.ofUtf8("€").length()).isEqualTo(3);
    }

    @Test
    void wipeZeroesTheOnlyCopy() {
        byte[] owned = {11, 22, 33, 44};
        SecretValue secret = SecretValue.adopt(owned);
        assertThat(secret.bytes()).containsExactly(11, 22, 33, 44);

        secret.wipe();

        assertThat(owned).containsOnly(0);
        assertThat(secret.isWiped()).isTrue();
        assertThatThrownBy(secret::bytes).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(secret::asString).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(secret::length).isInstanceOf(IllegalStateException.class);
        secret.wipe(); // idempotent
    }

    @Test
    void closeWipes() {
        byte[] owned = {5, 6};
        try (SecretValue secret = SecretValue.adopt(owned)) {
            assertThat(secret.length()).isEqualTo(2);
        }
        assertThat(owned).containsOnly(0);
    }

    @Test
    void contentEqualsComparesValuesNotIdentity() {
        SecretValue a = SecretValue.ofUtf8("same");
        assertThat(a.contentEquals(SecretValue.ofUtf8("same"))).isTrue();
        assertThat(a.contentEquals(SecretValue.ofUtf8("samf"))).isFalse();
        assertThat(a.contentEquals(SecretValue.ofUtf8("same-but-longer"))).isFalse();
        // equals is identity: secrets do not belong in hash-based collections
        assertThat(a).isNotEqualTo(SecretValue.ofUtf8("same"));
    }

    @Test
    void aFreshSecretIsNotWipedAndAWipedOneSaysSo() {
        SecretValue s = SecretValue.ofUtf8("s3cret");
        assertThat(s.isWiped()).isFalse();
        s.wipe();
        assertThat(s.isWiped()).isTrue();
    }

    @Test
    void comparingWithAWipedSecretOnEitherSideIsRefused() {
        SecretValue live = SecretValue.ofUtf8("same");
        SecretValue wiped = SecretValue.ofUtf8("same");
        wiped.wipe();

        assertThatThrownBy(() -> live.contentEquals(wiped)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> wiped.contentEquals(live)).isInstanceOf(IllegalStateException.class);
        assertThat(live.contentEquals(SecretValue.ofUtf8("same"))).isTrue();
    }
}
