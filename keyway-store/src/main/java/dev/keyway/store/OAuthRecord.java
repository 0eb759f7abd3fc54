package dev.keyway.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * How an OAuth-minted credential (issue 12) obtains its access tokens: the grant, the token
 * endpoint, the client id and other non-secret settings (a JSON object), and the sealed secrets it
 * mints with (client secret, refresh token), bound to {@code secretsVersion}. The credential itself
 * is a {@link CredentialRecord} linked to the reserved source {@link #SOURCE}; its value (the
 * current access token) is never stored. {@code toString()} never prints the ciphertext.
 *
 * @param state {@link State#BROKEN} once the authorization server rejected the grant or the client
 *     (persisted, so it survives a restart and shows in {@code credential list}); cleared by
 *     re-authorizing
 */
public record OAuthRecord(
        String vaultId,
        String name,
        String grant,
        String tokenUrl,
        String clientId,
        String settingsJson,
        byte[] secrets,
        int secretsVersion,
        State state,
        @Nullable String stateDetail,
        Instant stateAt,
        Instant updatedAt) {

    /** The reserved source name of OAuth credentials' links; not a valid source name, so no source can take it. */
    public static final String SOURCE = "@oauth";

    /** Whether the credential can mint; explicit rather than a nullable "broken reason". */
    public enum State {
        OK,
        BROKEN;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static State of(String s) {
            return s.equals("broken") ? BROKEN : OK;
        }
    }

    /** The settings that {@link Store#putOAuthCredential} writes (the secrets are sealed by the caller). */
    public record Settings(String grant, String tokenUrl, String clientId, String settingsJson) {}

    @Override
    public String toString() {
        return "OAuthRecord[vaultId=" + vaultId + ", name=" + name + ", grant=" + grant + ", tokenUrl=" + tokenUrl
                + ", secretsVersion=" + secretsVersion + ", state=" + state + "]";
    }
}
