package dev.keyway.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.sign.Jwts;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The two RFC 7523 JWTs Keyway signs: a Google service account's grant assertion and the private_key_jwt client assertion. */
class JwtAssertionsTest {
    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    static JsonNode part(String jwt, int i) {
        return TokenOutcome.JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[i]));
    }

    static boolean verifies(String jwt, PublicKey key, String jca) throws Exception {
        String[] p = jwt.split("\\.");
        Signature s = Signature.getInstance(jca);
        s.initVerify(key);
        s.update((p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII));
        return s.verify(Base64.getUrlDecoder().decode(p[2]));
    }

    @Test
    void googleServiceAccountAssertionFollowsGooglesServerToServerGuide() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair k = g.generateKeyPair();
        String json = """
                {"type":"service_account","private_key_id":"kid-1","client_email":"sa@p.iam.gserviceaccount.com",
                 "private_key":"-----BEGIN PRIVATE KEY-----\\n%s\\n-----END PRIVATE KEY-----\\n"}"""
                .formatted(Base64.getEncoder().encodeToString(k.getPrivate().getEncoded()));
        GoogleServiceAccount sa = GoogleServiceAccount.parse(json);
        assertThat(sa.tokenUri()).isEqualTo(GoogleServiceAccount.DEFAULT_TOKEN_URI);
        assertThat(sa.toString()).doesNotContain("PRIVATE");
        String jwt = sa.assertion(List.of("a", "b"), "https://oauth2.googleapis.com/token", "user@example.com", NOW);
        assertThat(part(jwt, 0).path("alg").asString()).isEqualTo("RS256");
        assertThat(part(jwt, 0).path("kid").asString()).isEqualTo("kid-1");
        JsonNode c = part(jwt, 1);
        assertThat(c.path("iss").asString()).isEqualTo("sa@p.iam.gserviceaccount.com");
        assertThat(c.path("scope").asString()).isEqualTo("a b");
        assertThat(c.path("aud").asString()).isEqualTo("https://oauth2.googleapis.com/token");
        assertThat(c.path("sub").asString()).isEqualTo("user@example.com");
        assertThat(c.path("exp").asLong() - c.path("iat").asLong()).isEqualTo(3600);
        assertThat(verifies(jwt, k.getPublic(), "SHA256withRSA")).isTrue();
        assertThat(part(sa.assertion(List.of("a"), "aud", null, NOW), 1).has("sub")).isFalse();
        assertThat(GoogleServiceAccount.form("x.y.z")).isEqualTo("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=x.y.z");
        assertThatThrownBy(() -> GoogleServiceAccount.parse("{\"type\":\"authorized_user\"}")).hasMessage("is not a service-account key (type)");
        assertThatThrownBy(() -> GoogleServiceAccount.parse("nope")).hasMessage("is not JSON");
    }

    @Test
    void clientAssertionCarriesRfc7523ClaimsAndVerifiesWithThePublicKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair k = g.generateKeyPair();
        String jwt = ClientAssertion.jwt("client-1", "https://as.example/token", k.getPrivate(), Jwts.Algorithm.ES256, NOW, "jti-1");
        assertThat(part(jwt, 0).path("alg").asString()).isEqualTo("ES256");
        JsonNode c = part(jwt, 1);
        assertThat(c.path("iss").asString()).isEqualTo("client-1");
        assertThat(c.path("sub").asString()).isEqualTo("client-1");
        assertThat(c.path("aud").asString()).isEqualTo("https://as.example/token");
        assertThat(c.path("jti").asString()).isEqualTo("jti-1");
        assertThat(c.path("exp").asLong()).isEqualTo(NOW.getEpochSecond() + 300);
        assertThat(verifies(jwt, k.getPublic(), "SHA256withECDSAinP1363Format")).isTrue();

        TokenRequest tr = TokenRequest.of(OAuthGrant.CLIENT_CREDENTIALS, ClientAuth.PRIVATE_KEY_JWT, "client-1", jwt, null, List.of(), null);
        assertThat(tr.authorization()).isNull();
        assertThat(tr.form()).isEqualTo("grant_type=client_credentials&client_id=client-1"
                + "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + jwt);
        assertThatThrownBy(() -> ClientAssertion.jwt("c", "a", k.getPrivate(), Jwts.Algorithm.EDDSA, NOW, "j"))
                .hasMessageContaining("RS256 or ES256");
    }
}
