package dev.keyway.core.oauth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One token request: the {@code application/x-www-form-urlencoded} body and, for
 * {@link ClientAuth#BASIC}, the {@code Authorization} header. Holds secrets (client secret,
 * refresh token): {@code toString()} prints neither.
 *
 * <ul>
 *   <li>RFC 6749 §6: {@code grant_type=refresh_token&refresh_token=...[&scope=...]}.</li>
 *   <li>RFC 6749 §4.4.2: {@code grant_type=client_credentials[&scope=...]}; {@code audience} is
 *       the common extension parameter (Auth0, Okta) naming the API the token is for.</li>
 *   <li>RFC 6749 §2.3.1: Basic is {@code base64(urlencode(id) ":" urlencode(secret))} (the id and
 *       secret are form-encoded first, Appendix B); with POST, or for a public client without a
 *       secret (§3.2.1), {@code client_id} (and {@code client_secret}) go in the body.</li>
 *   <li>Scopes are space-delimited (§3.3).</li>
 * </ul>
 */
public record TokenRequest(String form, @Nullable String authorization) {

    public static TokenRequest of(OAuthGrant grant, ClientAuth auth, String clientId, @Nullable String clientSecret,
            @Nullable String refreshToken, List<String> scopes, @Nullable String audience) {
        StringBuilder f = new StringBuilder();
        param(f, "grant_type", grant.wire);
        if (grant == OAuthGrant.REFRESH_TOKEN) {
            if (refreshToken == null || refreshToken.isEmpty()) {
                throw new IllegalArgumentException("the refresh_token grant needs a refresh token");
            }
            param(f, "refresh_token", refreshToken);
        }
        if (!scopes.isEmpty()) {
            param(f, "scope", String.join(" ", scopes));
        }
        if (audience != null) {
            param(f, "audience", audience);
        }
        String authorization = clientAuth(f, auth, clientId, clientSecret);
        return new TokenRequest(f.toString(), authorization);
    }

    /**
     * RFC 6749 §4.1.3 with RFC 7636 §4.5: redeems an authorization code
     * ({@code grant_type=authorization_code&code=...&redirect_uri=...&code_verifier=...}); the
     * {@code redirect_uri} must be the one of the authorization request.
     */
    public static TokenRequest authorizationCode(ClientAuth auth, String clientId, @Nullable String clientSecret, String code,
            String redirectUri, String codeVerifier) {
        StringBuilder f = new StringBuilder();
        param(f, "grant_type", "authorization_code");
        param(f, "code", code);
        param(f, "redirect_uri", redirectUri);
        param(f, "code_verifier", codeVerifier);
        String authorization = clientAuth(f, auth, clientId, clientSecret);
        return new TokenRequest(f.toString(), authorization);
    }

    /**
     * §2.3.1: the Authorization header for Basic, else the client's fields appended to the form. For
     * {@link ClientAuth#PRIVATE_KEY_JWT}, {@code clientSecret} is the signed client assertion
     * ({@link ClientAssertion#jwt}), sent as {@code client_assertion} with
     * {@code client_assertion_type} (RFC 7523 §2.2), next to {@code client_id}.
     */
    private static @Nullable String clientAuth(StringBuilder f, ClientAuth auth, String clientId, @Nullable String clientSecret) {
        if (auth == ClientAuth.PRIVATE_KEY_JWT) {
            if (clientSecret == null) {
                throw new IllegalArgumentException("private_key_jwt needs a signed client assertion");
            }
            param(f, "client_id", clientId);
            param(f, "client_assertion_type", ClientAssertion.TYPE);
            param(f, "client_assertion", clientSecret);
            return null;
        }
        if (clientSecret != null && auth == ClientAuth.BASIC) {
            String pair = enc(clientId) + ":" + enc(clientSecret);
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }
        param(f, "client_id", clientId);
        if (clientSecret != null) {
            param(f, "client_secret", clientSecret);
        }
        return null;
    }

    private static void param(StringBuilder f, String name, String value) {
        if (!f.isEmpty()) {
            f.append('&');
        }
        f.append(name).append('=').append(enc(value));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "TokenRequest[redacted]";
    }
}
