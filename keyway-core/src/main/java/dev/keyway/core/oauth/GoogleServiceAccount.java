package dev.keyway.core.oauth;

import dev.keyway.core.sign.Jwts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A Google service-account key file (the JSON {@code gcloud iam service-accounts keys create}
 * writes) and the RFC 7523 JWT bearer assertion it signs, as Google's "Using OAuth 2.0 for Server
 * to Server Applications" describes: RS256, header {@code kid} = {@code private_key_id}, claims
 * {@code iss} = {@code client_email}, {@code scope} (space-delimited), {@code aud} = the token
 * endpoint, {@code iat} now, {@code exp} one hour later, and {@code sub} = the user to impersonate
 * with domain-wide delegation. Exchanged at the token endpoint with
 * {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT}. Shared by the
 * {@code gcp-secret-manager} source and the {@code google-service-account} OAuth grant, so the
 * assertion is written once. {@code toString} never shows the key.
 */
public record GoogleServiceAccount(String clientEmail, String keyId, PrivateKey key, URI tokenUri) {
    public static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public static final URI DEFAULT_TOKEN_URI = URI.create("https://oauth2.googleapis.com/token");
    /** The largest key file read. */
    public static final int MAX_BYTES = 64 * 1024;

    /**
     * The key file's fields minting needs.
     *
     * @throws IllegalArgumentException saying what is wrong (never the key's bytes)
     */
    public static GoogleServiceAccount parse(byte[] json) {
        if (json.length > MAX_BYTES) {
            throw new IllegalArgumentException("is too large");
        }
        JsonNode j;
        try {
            j = TokenOutcome.JSON.readTree(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not JSON");
        }
        if (j == null || !"service_account".equals(j.path("type").asString(""))) {
            throw new IllegalArgumentException("is not a service-account key (type)");
        }
        String email = j.path("client_email").asString("");
        String pem = j.path("private_key").asString("");
        if (email.isEmpty() || pem.isEmpty()) {
            throw new IllegalArgumentException("has no client_email or private_key");
        }
        PrivateKey pk;
        try {
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new IllegalArgumentException("not PKCS#8");
            }
            pk = RsaKeys.parsePrivateKey(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a private_key that is not a PKCS#8 RSA key");
        }
        URI tokenUri;
        try {
            tokenUri = j.hasNonNull("token_uri") ? new URI(j.path("token_uri").asString("")) : DEFAULT_TOKEN_URI;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("has a token_uri that is not a URL");
        }
        return new GoogleServiceAccount(email, j.path("private_key_id").asString(""), pk, tokenUri);
    }

    /** {@link #parse(byte[])} of a string. */
    public static GoogleServiceAccount parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The signed assertion for {@code scopes} at {@code audience} (the token endpoint), optionally for {@code subject}. */
    public String assertion(List<String> scopes, String audience, @Nullable String subject, Instant now) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!keyId.isEmpty()) {
            header.put("kid", keyId);
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", clientEmail);
        claims.put("scope", String.join(" ", scopes));
        claims.put("aud", audience);
        if (subject != null) {
            claims.put("sub", subject);
        }
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", now.getEpochSecond() + 3600);
        return Jwts.sign(Jwts.Algorithm.RS256, key, header, claims);
    }

    /** The token request's form body for {@code assertion} (RFC 7523 §2.1; no client authentication). */
    public static String form(String assertion) {
        return "grant_type=" + java.net.URLEncoder.encode(GRANT_TYPE, StandardCharsets.UTF_8) + "&assertion=" + assertion;
    }

    @Override
    public String toString() {
        return "GoogleServiceAccount[" + clientEmail + "]";
    }
}
