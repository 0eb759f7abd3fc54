package dev.keyway.core.oauth;

import dev.keyway.core.sign.Jwts;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code private_key_jwt} client assertion (RFC 7523 §2.2 and §3, OpenID Connect Core §9): a JWT
 * signed with the client's private key (RS256 or ES256) whose {@code iss} and {@code sub} are the
 * client id, {@code aud} the token endpoint's URL, with a unique {@code jti} (servers refuse a
 * replay), {@code iat} now and {@code exp} five minutes later (short: it only has to reach the token
 * endpoint). The private key never leaves Keyway; the server holds only the public key.
 */
public final class ClientAssertion {
    /** {@code client_assertion_type} of RFC 7523 §2.2. */
    public static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** How long an assertion is valid. */
    public static final long LIFETIME_SECONDS = 300;

    private ClientAssertion() {}

    /** The signed assertion. */
    public static String jwt(String clientId, String tokenUrl, PrivateKey key, Jwts.Algorithm algorithm, Instant now, String jti) {
        if (algorithm == Jwts.Algorithm.EDDSA) {
            throw new IllegalArgumentException("private_key_jwt signs with RS256 or ES256");
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", clientId);
        claims.put("sub", clientId);
        claims.put("aud", tokenUrl);
        claims.put("jti", jti);
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", now.getEpochSecond() + LIFETIME_SECONDS);
        return Jwts.sign(algorithm, key, Map.of(), claims);
    }
}
