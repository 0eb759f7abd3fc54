package dev.keyway.core.inject;

import java.time.Instant;
import java.util.Objects;

/**
 * What a signing injection ({@code hmac}, {@code jwt}) needs besides the head and the credentials,
 * supplied by the edge so the injector stays pure: the target host (used when the head has no
 * {@code Host}), the body exactly as it will be sent (empty when there is none or the template does
 * not sign it), the signing time and a fresh nonce.
 *
 * @param host the upstream host, with {@code :port} when not the scheme's default
 * @param body the body (read, not kept)
 * @param now the signing time
 * @param nonce a fresh random value for this request (never reused)
 */
public record SignContext(String host, byte[] body, Instant now, String nonce) {
    public SignContext {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(nonce, "nonce");
    }

    @Override
    public String toString() {
        return "SignContext[" + host + ", body " + body.length + " bytes, " + now + "]";
    }
}
