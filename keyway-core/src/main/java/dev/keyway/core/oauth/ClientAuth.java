package dev.keyway.core.oauth;

import java.util.Arrays;
import java.util.Optional;

/**
 * How the client authenticates to the token endpoint (RFC 6749 §2.3.1): HTTP Basic
 * ({@code client_secret_basic}, which every server must support) or the credentials in the form
 * body ({@code client_secret_post}).
 */
public enum ClientAuth {
    BASIC("basic"),
    POST("post");

    public final String wire;

    ClientAuth(String wire) {
        this.wire = wire;
    }

    public static Optional<ClientAuth> of(String wire) {
        return Arrays.stream(values()).filter(a -> a.wire.equals(wire)).findFirst();
    }
}
