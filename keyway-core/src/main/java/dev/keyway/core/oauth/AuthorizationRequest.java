package dev.keyway.core.oauth;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The authorization request of the authorization-code grant (RFC 6749 §4.1.1) with PKCE (RFC 7636
 * §4.3), as the URL the user's browser opens: {@code response_type=code}, {@code client_id},
 * {@code redirect_uri}, {@code scope} (space-delimited, §3.3), {@code state} (§10.12, CSRF), and
 * {@code code_challenge} with {@code code_challenge_method=S256}. Provider-specific parameters (e.g.
 * Google's {@code access_type=offline} and {@code prompt=consent}, without which it issues no
 * refresh token) are appended; they may not override the protocol's own parameters.
 */
public final class AuthorizationRequest {
    /** Parameters this class sets; an extra parameter may not replace them. */
    public static final Set<String> RESERVED = Set.of("response_type", "client_id", "redirect_uri", "scope", "state",
            "code_challenge", "code_challenge_method");

    private AuthorizationRequest() {}

    /**
     * The URL to open. {@code authorizeUrl} may carry a query of its own (RFC 6749 §3.1: it is
     * retained); {@code extra} is appended in order.
     *
     * @throws IllegalArgumentException when {@code extra} names a {@link #RESERVED} parameter
     */
    public static URI url(URI authorizeUrl, String clientId, URI redirectUri, List<String> scopes, String state,
            String codeChallenge, Map<String, String> extra) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("response_type", "code");
        p.put("client_id", clientId);
        p.put("redirect_uri", redirectUri.toString());
        if (!scopes.isEmpty()) {
            p.put("scope", String.join(" ", scopes));
        }
        p.put("state", state);
        p.put("code_challenge", codeChallenge);
        p.put("code_challenge_method", "S256");
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (RESERVED.contains(e.getKey())) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' is set by Keyway and cannot be overridden");
            }
            p.put(e.getKey(), e.getValue());
        }
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : p.entrySet()) {
            if (!q.isEmpty()) {
                q.append('&');
            }
            q.append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        }
        String base = authorizeUrl.toString();
        if (base.indexOf('#') >= 0) {
            throw new IllegalArgumentException("the authorization URL must not have a fragment (RFC 6749 §3.1)");
        }
        return URI.create(base + (authorizeUrl.getRawQuery() == null ? "?" : "&") + q);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
