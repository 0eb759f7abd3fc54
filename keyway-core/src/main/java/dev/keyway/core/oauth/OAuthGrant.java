package dev.keyway.core.oauth;

import java.util.Arrays;
import java.util.Optional;

/** The grants an OAuth credential mints access tokens with; {@link #wire} is RFC 6749's {@code grant_type}. */
public enum OAuthGrant {
    /** RFC 6749 §6: a long-lived refresh token obtained once by a human is exchanged for access tokens. */
    REFRESH_TOKEN("refresh_token"),
    /** RFC 6749 §4.4: the client authenticates as itself; no refresh token. */
    CLIENT_CREDENTIALS("client_credentials"),
    /** A GitHub App's installation token: an RS256 app JWT exchanged at GitHub's REST API (not RFC 6749). */
    GITHUB_APP("github-app"),
    /**
     * RFC 7523 §2.1: a Google service account's RS256 JWT assertion (see {@link GoogleServiceAccount})
     * exchanged for an access token; optionally for a user (domain-wide delegation).
     */
    GOOGLE_SERVICE_ACCOUNT("google-service-account");

    public final String wire;

    OAuthGrant(String wire) {
        this.wire = wire;
    }

    public static Optional<OAuthGrant> of(String wire) {
        return Arrays.stream(values()).filter(g -> g.wire.equals(wire)).findFirst();
    }
}
