package dev.keyway.core.oauth;

import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The catalog of authorization servers {@code keyway oauth authorize --template T} knows: their
 * authorization and token endpoints, the client authentication they document, default scopes, the
 * extra authorization parameters without which they issue no refresh token, and what to do when
 * they still answer without one. One place, so the docs table (docs/sources.md) and the CLI cannot
 * disagree.
 */
public enum OAuthProvider {
    /**
     * A GitHub App's user access tokens (or an OAuth app): refresh tokens are issued only when the
     * app has "expire user authorization tokens" on (GitHub Apps) — OAuth apps' tokens never expire.
     */
    GITHUB("github", "GitHub (GitHub App user tokens / OAuth app)", "https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token", ClientAuth.POST, List.of("repo"), Map.of(),
            "GitHub issues refresh tokens only to a GitHub App with \"Expire user authorization tokens\" enabled "
                    + "(OAuth apps' tokens never expire: store one with 'keyway credential set' instead)"),
    /** Google: a Desktop-app client; {@code access_type=offline} and {@code prompt=consent} make it issue a refresh token. */
    GOOGLE("google", "Google (OAuth client of type Desktop app)", "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token", ClientAuth.POST, List.of("openid", "email"), params(
                    "access_type", "offline", "prompt", "consent"),
            "Google issues a refresh token only with access_type=offline and prompt=consent (the template sends both; "
                    + "with --authorize-url pass --param access_type=offline --param prompt=consent)"),
    /** Slack apps with token rotation on ({@code oauth.v2.access}). */
    SLACK("slack", "Slack (app with token rotation enabled)", "https://slack.com/oauth/v2/authorize",
            "https://slack.com/api/oauth.v2.access", ClientAuth.BASIC, List.of("chat:write"), Map.of(),
            "Slack issues refresh tokens only when the app has token rotation enabled (app settings, OAuth & Permissions)");

    public final String wire;
    public final String title;
    public final URI authorizeUrl;
    public final URI tokenUrl;
    public final ClientAuth auth;
    public final List<String> scopes;
    /** Appended to the authorization request (in order). */
    public final Map<String, String> authorizeParams;
    /** Said when the token endpoint answers without a refresh token. */
    public final String noRefreshTokenHint;

    OAuthProvider(String wire, String title, String authorizeUrl, String tokenUrl, ClientAuth auth, List<String> scopes,
            Map<String, String> authorizeParams, String noRefreshTokenHint) {
        this.wire = wire;
        this.title = title;
        this.authorizeUrl = URI.create(authorizeUrl);
        this.tokenUrl = URI.create(tokenUrl);
        this.auth = auth;
        this.scopes = scopes;
        this.authorizeParams = authorizeParams;
        this.noRefreshTokenHint = noRefreshTokenHint;
    }

    public static Optional<OAuthProvider> of(String wire) {
        return Arrays.stream(values()).filter(p -> p.wire.equals(wire)).findFirst();
    }

    /** The template names, for messages. */
    public static List<String> names() {
        return Arrays.stream(values()).map(p -> p.wire).toList();
    }

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
