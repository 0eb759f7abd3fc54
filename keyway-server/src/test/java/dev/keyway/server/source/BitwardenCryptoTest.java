package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.server.source.BitwardenCrypto.AccessToken;
import dev.keyway.server.source.BitwardenCrypto.CryptoFailure;
import dev.keyway.server.source.BitwardenCrypto.Key;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link BitwardenCrypto} against the Bitwarden SDK's own published test vectors (repository
 * {@code bitwarden/sdk-internal}): {@code bitwarden-crypto/src/keys/shareable_key.rs}
 * ({@code test_derive_shareable_key}), {@code bitwarden-core/src/auth/access_token.rs}
 * ({@code can_decode_access_token}, {@code malformed_tokens}) and
 * {@code bitwarden_license/bitwarden-sm/src/client_secrets.rs} ({@code test_access_token_login}: an
 * identity answer's {@code encrypted_payload} and a secret whose key, value and note all decrypt to
 * {@code TEST}). Nothing here was produced by the code under test.
 */
class BitwardenCryptoTest {
    static final String SDK_TOKEN = "0.ec2c1d46-6a4b-4751-a310-af9601317f2d.C2IgxjjLF7qSshsbwe8JGcbM075YXw:X8vbvA0bduihIDe/qrzIQQ==";
    static final String SDK_PAYLOAD = "2.E9fE8+M/VWMfhhim1KlCbQ==|eLsHR484S/tJbIkM6spnG/HP65tj9A6Tba7kAAvUp+rYuQmGLixiOCfMsqt5OvBctDfvvr/Aes"
            + "Bu7cZimPLyOEhqEAjn52jF0eaI38XZfeOG2VJl0LOf60Wkfh3ryAMvfvLj3G4ZCNYU8sNgoC2+IQ==|lNApuCQ4Pyakfo/wwuuajWNaEX/2MW8/3rjXB/V7n+k=";
    static final String SDK_SECRET_KEY = "2.pMS6/icTQABtulw52pq2lg==|XXbxKxDTh+mWiN1HjH2N1w==|Q6PkuT+KX/axrgN9ubD5Ajk2YNwxQkgs3WJM0S0wtG8=";
    static final String SDK_SECRET_VALUE = "2.Gl34n9JYABC7V21qHcBzHg==|c1Ds244pob7i+8+MXe4++w==|Shimz/qKMYZmzSFWdeBzFb9dFz7oF6Uv9oqkws7rEe0=";
    static final String SDK_SECRET_NOTE = "2.Cn9ABJy7+WfR4uUHwdYepg==|+nbJyU/6hSknoa5dcEJEUg==|1DTp/ZbwGO3L3RN+VMsCHz8XDr8egn/M5iSitGGysPA=";

    static String b64(Key k) {
        byte[] b = new byte[64];
        System.arraycopy(k.enc(), 0, b, 0, 32);
        System.arraycopy(k.mac(), 0, b, 32, 32);
        return Base64.getEncoder().encodeToString(b);
    }

    static Stream<Arguments> shareableKeys() {
        return Stream.of(
                Arguments.of("&/$%F1a895g67HlX", "test_key", "", "4PV6+PcmF2w7YHRatvyMcVQtI7zvCyssv/wFWmzjiH6Iv9altjmDkuBD1aagLVaLezbthbSe+ktR+U6qswxNnQ=="),
                Arguments.of("67t9b5g67$%Dh89n", "test_key", "test", "F9jVQmrACGx9VUPjuzfMYDjr726JtL300Y3Yg+VYUnVQtQ1s8oImJ5xtp1KALC9h2nav04++1LDW4iFD+infng=="));
    }

    @ParameterizedTest
    @MethodSource("shareableKeys")
    void derivesShareableKeysAsTheSdk(String secret, String name, String info, String expected) {
        assertThat(b64(BitwardenCrypto.shareableKey(secret.getBytes(StandardCharsets.US_ASCII), name, info))).isEqualTo(expected);
    }

    @Test
    void parsesTheSdkAccessTokenAndDerivesItsKey() throws Exception {
        AccessToken t = AccessToken.parse(SDK_TOKEN);
        assertThat(t.id()).isEqualTo("ec2c1d46-6a4b-4751-a310-af9601317f2d");
        assertThat(t.clientSecret()).isEqualTo("C2IgxjjLF7qSshsbwe8JGcbM075YXw");
        assertThat(b64(t.encryptionKey()))
                .isEqualTo("H9/oIRLtL9nGCQOVDjSMoEbJsjWXSOCb3qeyDt6ckzS3FhyboEDWyTP/CQfbIszNmAVg2ExFganG1FVFGXO/Jg==");
        assertThat(t.toString()).doesNotContain("C2IgxjjLF7qSshsbwe8JGcbM075YXw").doesNotContain("X8vbvA0");
        assertThat(AccessToken.parse(SDK_TOKEN.replace("==", "")).encryptionKey()).as("padding is optional, as in the SDK")
                .isEqualTo(t.encryptionKey());
    }

    static Stream<Arguments> malformedTokens() {
        return Stream.of(
                Arguments.of("1.ec2c1d46-6a4b-4751-a310-af9601317f2d.C2IgxjjLF7qSshsbwe8JGcbM075YXw:X8vbvA0bduihIDe/qrzIQQ==", "version"),
                Arguments.of("0.ec2c1d46-6a4b-4751-a310-af9601317f2d.C2IgxjjLF7qSshsbwe8JGcbM075YXw.X8vbvA0bduihIDe/qrzIQQ==", "no encryption key"),
                Arguments.of("ec2c1d46-6a4b-4751-a310-af9601317f2d.C2IgxjjLF7qSshsbwe8JGcbM075YXw:X8vbvA0bduihIDe/qrzIQQ==", "number of parts"),
                Arguments.of("0.not-a-uuid.C2IgxjjLF7qSshsbwe8JGcbM075YXw:X8vbvA0bduihIDe/qrzIQQ==", "UUID"),
                Arguments.of("0.ec2c1d46-6a4b-4751-a310-af9601317f2d.C2IgxjjLF7qSshsbwe8JGcbM075YXw:X8vbvA0bduihIDe/qrzIQQAA", "16 bytes"),
                Arguments.of("0.ec2c1d46-6a4b-4751-a310-af9601317f2d.C2IgxjjLF7qSshsbwe8JGcbM075YXw:!!!!", "base64"),
                Arguments.of("0.ec2c1d46-6a4b-4751-a310-af9601317f2d.:X8vbvA0bduihIDe/qrzIQQ==", "client secret"));
    }

    @ParameterizedTest
    @MethodSource("malformedTokens")
    void refusesMalformedTokensWithoutQuotingThem(String token, String why) {
        assertThatThrownBy(() -> AccessToken.parse(token)).isInstanceOfSatisfying(CryptoFailure.class, f -> {
            assertThat(f.getMessage()).contains(why).doesNotContain("C2IgxjjLF7qSshsbwe8JGcbM075YXw").doesNotContain("X8vbvA0");
        });
    }

    @Test
    void decryptsTheSdkIdentityPayloadToTheOrganizationKeyAndTheSecretWithIt() throws Exception {
        byte[] payload = BitwardenCrypto.decrypt(SDK_PAYLOAD, AccessToken.parse(SDK_TOKEN).encryptionKey());
        JsonNode json = JsonMapper.builder().build().readTree(payload);
        Key org = Key.of64(Base64.getDecoder().decode(json.path("encryptionKey").asString("")));
        for (String enc : new String[] {SDK_SECRET_KEY, SDK_SECRET_VALUE, SDK_SECRET_NOTE}) {
            assertThat(new String(BitwardenCrypto.decrypt(enc, org), StandardCharsets.UTF_8)).isEqualTo("TEST");
        }
    }

    static Stream<Arguments> refusedEncStrings() {
        String[] p = SDK_SECRET_VALUE.substring(2).split("\\|");
        byte[] ct = Base64.getDecoder().decode(p[1]);
        ct[0] ^= 1;
        return Stream.of(
                Arguments.of("2." + p[0] + "|" + Base64.getEncoder().encodeToString(ct) + "|" + p[2], "MAC does not verify"),
                Arguments.of("0." + p[0] + "|" + p[1], "type 0 is not supported"),
                Arguments.of("7." + p[1], "type 7 is not supported"),
                Arguments.of("2." + p[0] + "|" + p[1], "3 parts"),
                Arguments.of("2." + p[0] + "|" + p[1] + "|" + p[0], "length"),
                Arguments.of("TEST", "no type"),
                Arguments.of("2.%%%|%%%|%%%", "base64"));
    }

    @ParameterizedTest
    @MethodSource("refusedEncStrings")
    void refusesTamperedDowngradedAndMalformedEncStrings(String enc, String why) throws Exception {
        byte[] payload = BitwardenCrypto.decrypt(SDK_PAYLOAD, AccessToken.parse(SDK_TOKEN).encryptionKey());
        Key org = Key.of64(Base64.getDecoder().decode(JsonMapper.builder().build().readTree(payload).path("encryptionKey").asString("")));
        assertThatThrownBy(() -> BitwardenCrypto.decrypt(enc, org)).isInstanceOfSatisfying(CryptoFailure.class,
                f -> assertThat(f.getMessage()).contains(why));
    }

    @Test
    void theWrongKeyFailsTheMacBeforeAnythingIsDecrypted() throws Exception {
        Key wrong = AccessToken.parse(SDK_TOKEN).encryptionKey();
        assertThatThrownBy(() -> BitwardenCrypto.decrypt(SDK_SECRET_VALUE, wrong)).isInstanceOfSatisfying(CryptoFailure.class,
                f -> assertThat(f.getMessage()).contains("MAC does not verify"));
    }
}
