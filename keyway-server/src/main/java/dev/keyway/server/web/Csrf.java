package dev.keyway.server.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * CSRF tokens for the web console. A form's token is an HMAC of a fixed label keyed by the secret
 * its browser already holds in an HttpOnly cookie (the session token, or before login a random
 * pre-session value): a page from another site can neither read that cookie nor compute the token,
 * and no server-side state is needed (tokens survive a restart, die with the session). Checked in
 * constant time.
 */
public final class Csrf {
    /** The hidden form field (and the {@code X-CSRF-Token} header for script requests). */
    public static final String FIELD = "csrf";

    private Csrf() {}

    /** The token for forms of the browser holding {@code cookieSecret}. */
    public static String tokenFor(String cookieSecret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(cookieSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] tag = mac.doFinal("keyway-web-csrf-v1".getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Whether {@code presented} is the token for {@code cookieSecret} (constant time). */
    public static boolean valid(@Nullable String cookieSecret, @Nullable String presented) {
        if (cookieSecret == null || cookieSecret.isEmpty() || presented == null || presented.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(tokenFor(cookieSecret).getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
