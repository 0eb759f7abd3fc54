package dev.keyway.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.source.SourceFailure;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class GitHubAppTest {
    static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");

    static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    /** The PKCS#1 RSAPrivateKey inside the JDK's PKCS#8 encoding (after the 26-byte header of a >= 2048-bit key). */
    static byte[] pkcs1(KeyPair kp) {
        byte[] p8 = kp.getPrivate().getEncoded();
        return Arrays.copyOfRange(p8, 26, p8.length);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @ParameterizedTest
    @ValueSource(ints = {2048, 3072})
    void pkcs1KeysAreWrappedIntoExactlyThePkcs8TheJdkWrites(int bits) throws Exception {
        KeyPair kp = rsa(bits);
        assertThat(RsaKeys.wrap(pkcs1(kp))).isEqualTo(kp.getPrivate().getEncoded());
        assertThat(RsaKeys.parsePrivateKey(pem("RSA PRIVATE KEY", pkcs1(kp)))).isEqualTo(kp.getPrivate());
        assertThat(RsaKeys.parsePrivateKey(pem("PRIVATE KEY", kp.getPrivate().getEncoded()))).isEqualTo(kp.getPrivate());
    }

    @Test
    void badKeysAreRefusedWithoutEchoingThem() throws Exception {
        assertThatThrownBy(() -> RsaKeys.parsePrivateKey("ghp_not-a-key")).hasMessageContaining("not a PEM RSA private key")
                .hasMessageNotContaining("ghp_");
        assertThatThrownBy(() -> RsaKeys.parsePrivateKey("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"))
                .hasMessageContaining("valid RSA private key");
        assertThatThrownBy(() -> RsaKeys.parsePrivateKey(pem("PRIVATE KEY", rsa(1024).getPrivate().getEncoded())))
                .hasMessageContaining("2048");
    }

    @Test
    void theAppJwtIsRs256WithIatInThePastAndExpWithinTenMinutes() throws Exception {
        KeyPair kp = rsa(2048);
        String jwt = GitHubApp.jwt("12345", kp.getPrivate(), NOW);
        String[] parts = jwt.split("\\.");
        Base64.Decoder d = Base64.getUrlDecoder();
        JsonNode header = TokenOutcome.JSON.readTree(d.decode(parts[0]));
        JsonNode claims = TokenOutcome.JSON.readTree(d.decode(parts[1]));
        assertThat(header.path("alg").asString()).isEqualTo("RS256");
        assertThat(claims.path("iss").asString()).isEqualTo("12345");
        assertThat(claims.path("iat").asLong()).isEqualTo(NOW.getEpochSecond() - 60);
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isLessThanOrEqualTo(600);
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(kp.getPublic());
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(s.verify(d.decode(parts[2]))).isTrue();
    }

    @Test
    void anInstallationTokenLivesUntilItsExpiresAt() {
        TokenOutcome o = GitHubApp.parse(201, "{\"token\":\"ghs_abc\",\"expires_at\":\"2026-12-07T04:00:00Z\"}"
                .getBytes(StandardCharsets.UTF_8), null, null, NOW);
        assertThat(o).isEqualTo(new TokenOutcome.Granted("ghs_abc", 3600L, null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "401 | {\"message\":\"A JSON web token could not be decoded\"} | -    | REJECTED",
        "404 | {\"message\":\"Not Found\"}                             | -    | REJECTED",
        "403 | {\"message\":\"API rate limit exceeded\"}               | 0    | THROTTLED",
        "403 | {\"message\":\"Resource not accessible\"}               | 10   | AUTH",
        "429 | {}                                                      | -    | THROTTLED",
        "502 | {}                                                      | -    | UNAVAILABLE",
        "201 | {\"expires_at\":\"2026-12-07T04:00:00Z\"}               | -    | BAD_VALUE",
        "201 | {\"token\":\"ghs_a\",\"expires_at\":\"tomorrow\"}       | -    | BAD_VALUE",
    })
    void classifiesGitHubsAnswers(int status, String body, String remaining, String expected) {
        TokenOutcome o = GitHubApp.parse(status, body.getBytes(StandardCharsets.UTF_8), null,
                remaining.equals("-") ? null : remaining, NOW);
        if (expected.equals("REJECTED")) {
            assertThat(o).isInstanceOf(TokenOutcome.Rejected.class);
        } else {
            assertThat(o).isInstanceOfSatisfying(TokenOutcome.Failed.class,
                    f -> assertThat(f.failure().kind()).isEqualTo(SourceFailure.Kind.valueOf(expected)));
        }
    }
}
