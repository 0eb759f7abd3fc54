package dev.keyway.core.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

public class JwtsTest {

    static Stream<Arguments> algorithms() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        return Stream.of(
                Arguments.of(Jwts.Algorithm.ES256, ec.generateKeyPair(), "SHA256withECDSAinP1363Format", 64),
                Arguments.of(Jwts.Algorithm.RS256, rsa.generateKeyPair(), "SHA256withRSA", 256),
                Arguments.of(Jwts.Algorithm.EDDSA, KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), "Ed25519", 64));
    }

    /** Each algorithm's token verifies with the public key; ES256 is JOSE R||S (64 bytes), not DER. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void signsAVerifiableCompactJws(Jwts.Algorithm alg, KeyPair pair, String verifyWith, int signatureLength) throws Exception {
        String pem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", "cdp");
        claims.put("uri", "GET api.coinbase.com/api/v3/brokerage/accounts");
        claims.put("exp", 1700000120L);
        String token = Jwts.sign(alg, PrivateKeys.parse(pem, alg), Map.of("kid", "k1"), claims);
        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        assertThat(json(parts[0])).isEqualTo("{\"alg\":\"" + alg.jose() + "\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
        assertThat(json(parts[1])).isEqualTo(
                "{\"iss\":\"cdp\",\"uri\":\"GET api.coinbase.com/api/v3/brokerage/accounts\",\"exp\":1700000120}");
        byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
        assertThat(sig).hasSize(signatureLength);
        assertThat(verify(verifyWith, pair.getPublic(), parts[0] + "." + parts[1], sig)).isTrue();
        assertThat(verify(verifyWith, pair.getPublic(), parts[0] + "." + parts[1] + "x", sig)).isFalse();
    }

    /** Coinbase CDP hands out SEC1 keys ("-----BEGIN EC PRIVATE KEY-----"), often with literal \n from JSON. */
    @Test
    void readsSec1EcKeysAsCoinbaseHandsThemOut() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = ec.generateKeyPair();
        byte[] pkcs8 = pair.getPrivate().getEncoded();
        // PKCS#8 = SEQUENCE { INTEGER 0, AlgorithmIdentifier(21 bytes), OCTET STRING { SEC1 } }: take the SEC1 part
        int octet = 2 + 3 + 21; // header of the short-form outer SEQUENCE, version, algorithm
        assertThat(pkcs8[octet]).isEqualTo((byte) 0x04);
        int len = pkcs8[octet + 1] & 0xff;
        byte[] sec1 = java.util.Arrays.copyOfRange(pkcs8, octet + 2, octet + 2 + len);
        String jsonStyle = pem("EC PRIVATE KEY", sec1).replace("\n", "\\n");
        String token = Jwts.sign(Jwts.Algorithm.ES256, PrivateKeys.parse(jsonStyle, Jwts.Algorithm.ES256), Map.of(), Map.of());
        String[] parts = token.split("\\.");
        assertThat(verify("SHA256withECDSAinP1363Format", pair.getPublic(), parts[0] + "." + parts[1],
                Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    }

    static Stream<Arguments> badKeys() throws Exception {
        KeyPairGenerator ec384 = KeyPairGenerator.getInstance("EC");
        ec384.initialize(new ECGenParameterSpec("secp384r1"));
        String p384 = pem("PRIVATE KEY", ec384.generateKeyPair().getPrivate().getEncoded());
        String ed = pem("PRIVATE KEY", KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate().getEncoded());
        return Stream.of(
                Arguments.of(Jwts.Algorithm.ES256, "not a pem", "an ES256 key needs BEGIN EC PRIVATE KEY"),
                Arguments.of(Jwts.Algorithm.ES256, p384, "ES256 needs a P-256 key"),
                Arguments.of(Jwts.Algorithm.ES256, ed, "the PEM does not hold an EC private key"),
                Arguments.of(Jwts.Algorithm.EDDSA, "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
                        "the PEM body is not base64"),
                Arguments.of(Jwts.Algorithm.RS256, ed, "the PEM does not hold a valid RSA private key"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("badKeys")
    void refusesUnusableKeysWithoutEchoingThem(Jwts.Algorithm alg, String pem, String message) {
        assertThatThrownBy(() -> PrivateKeys.parse(pem, alg)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("MII").doesNotContain("!!!"));
    }

    private static boolean verify(String alg, PublicKey key, String input, byte[] sig) throws Exception {
        Signature s = Signature.getInstance(alg);
        s.initVerify(key);
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return s.verify(sig);
    }

    private static String json(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + label + "-----\n";
    }
}
