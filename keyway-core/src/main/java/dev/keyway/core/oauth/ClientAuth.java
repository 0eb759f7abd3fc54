package dev.keyway.core.oauth;

import java.util.Arrays;
import java.util.Optional;

/**
 * How the client authenticates to the token endpoint (RFC 6749 §2.3.1): HTTP Basic
 * ({@code client_secret_basic}, which every server must support), the credentials in the form
 * body ({@code client_secret_post}), or a JWT signed with the client's private key
 * ({@code private_key_jwt}, RFC 7523 §2.2 and OpenID Connect Core §9, see {@link ClientAssertion}):
 * no shared secret is sent at all.
 */
public enum ClientAuth {
    BASIC("basic"),
    POST("post"),
    PRIVATE_KEY_JWT("private_key_jwt");

    public final String wire;

    ClientAuth(String wire) {
        this.wire = wire;
    }

    public static Optional<ClientAuth> of(String wire) {
        return Arrays.stream(values()).filter(a -> a.wire.equals(wire)).findFirst();
    }
}
