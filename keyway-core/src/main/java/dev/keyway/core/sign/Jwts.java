package dev.keyway.core.sign;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Compact JWS (RFC 7515) signing for the {@code jwt} injection with the JDK's {@link Signature}:
 * ES256 (ECDSA P-256 SHA-256, the signature written as JOSE {@code R || S}, RFC 7518 §3.4, through
 * the JDK's P1363 format instead of DER), RS256 (RSASSA-PKCS1-v1_5 SHA-256) and EdDSA (Ed25519,
 * RFC 8037). Header and claims are JSON objects of strings and numbers serialised in the given order.
 */
public final class Jwts {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private Jwts() {}

    /** The JWS algorithms offered. */
    public enum Algorithm {
        ES256("ES256", "SHA256withECDSAinP1363Format"),
        RS256("RS256", "SHA256withRSA"),
        EDDSA("EdDSA", "Ed25519");

        private final String jose;
        private final String jca;

        Algorithm(String jose, String jca) {
            this.jose = jose;
            this.jca = jca;
        }

        /** The {@code alg} header value, also the wire name ({@code ES256}, {@code RS256}, {@code EdDSA}). */
        public String jose() {
            return jose;
        }

        /** The algorithm named {@code s} (as in the {@code alg} header); IllegalArgumentException otherwise. */
        public static Algorithm fromWireName(String s) {
            for (Algorithm a : values()) {
                if (a.jose.equals(s)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("unknown algorithm '" + s + "'; expected ES256, RS256 or EdDSA");
        }
    }

    /**
     * {@code base64url(header).base64url(claims).base64url(signature)}; {@code alg} (and {@code typ: JWT})
     * are put first into the header.
     */
    public static String sign(Algorithm algorithm, PrivateKey key, Map<String, Object> header, Map<String, Object> claims) {
        java.util.LinkedHashMap<String, Object> h = new java.util.LinkedHashMap<>();
        h.put("alg", algorithm.jose);
        h.put("typ", "JWT");
        h.putAll(header);
        String input = B64URL.encodeToString(JSON.writeValueAsBytes(h)) + "."
                + B64URL.encodeToString(JSON.writeValueAsBytes(claims));
        try {
            Signature s = Signature.getInstance(algorithm.jca);
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64URL.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the key cannot sign " + algorithm.jose + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
