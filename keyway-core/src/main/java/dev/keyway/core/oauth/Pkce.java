package dev.keyway.core.oauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Proof Key for Code Exchange (RFC 7636) with the {@code S256} method: a one-time
 * {@code code_verifier} that stays with the client, and its {@code code_challenge}
 * {@code BASE64URL(SHA-256(ASCII(verifier)))} (§4.2) sent in the authorization request. Whoever
 * intercepts the authorization code on the loopback redirect cannot redeem it without the
 * verifier. {@code plain} is never used: RFC 7636 §7.2 allows it only when S256 is impossible.
 */
public record Pkce(String verifier, String challenge) {
    /** §4.1: 43-128 characters of {@code [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"}. */
    private static final Pattern VERIFIER = Pattern.compile("^[A-Za-z0-9._~-]{43,128}$");

    public Pkce {
        if (!VERIFIER.matcher(verifier).matches()) {
            throw new IllegalArgumentException("a PKCE code_verifier is 43-128 unreserved characters (RFC 7636 §4.1)");
        }
    }

    /** A fresh verifier from 32 random octets, base64url-encoded without padding (43 characters, §4.1's recommendation). */
    public static Pkce generate(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        String v = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        return new Pkce(v, s256(v));
    }

    /** The S256 challenge of {@code verifier} (§4.2). */
    public static String s256(String verifier) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The verifier is a secret until the code is redeemed: it is never printed. */
    @Override
    public String toString() {
        return "Pkce[challenge=" + challenge + "]";
    }
}
