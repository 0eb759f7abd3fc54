package dev.keyway.core.oauth;

import dev.keyway.core.source.SourceFailure;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * GitHub App installation tokens as pure functions (GitHub REST docs, "Authenticating as a GitHub
 * App" and "Create an installation access token for an app"): the app JWT, and the meaning of
 * {@code POST /app/installations/{id}/access_tokens}'s answer.
 *
 * <ul>
 *   <li>The JWT is RS256 over {@code {"alg":"RS256","typ":"JWT"}} and {@code {"iat","exp","iss"}}:
 *       {@code iat} 60 s in the past (clock drift, as GitHub recommends), {@code exp} 9 minutes
 *       ahead (GitHub refuses more than 10), {@code iss} the app id.</li>
 *   <li>201 with {@code token} and {@code expires_at} (one hour) is a token; 401 (the JWT was
 *       refused: wrong app id or key) and 404 (no such installation: the app was uninstalled) mean
 *       a human must fix the configuration, so they break the credential; 403 with
 *       {@code x-ratelimit-remaining: 0} and 429 are throttling; 5xx unavailable.</li>
 * </ul>
 */
public final class GitHubApp {
    public static final String API_VERSION = "2022-11-28";

    private GitHubApp() {}

    /** The app JWT for {@code appId}, signed with the app's private key, valid from {@code now - 60 s} for 10 minutes. */
    public static String jwt(String appId, PrivateKey key, Instant now) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String claims = "{\"iat\":" + (now.getEpochSecond() - 60) + ",\"exp\":" + (now.getEpochSecond() + 540)
                + ",\"iss\":\"" + appId + "\"}";
        String input = b.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + b.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the app's key: " + e.getClass().getSimpleName());
        }
    }

    /** The outcome of the (unnarrowed) access-token request answered at {@code now}. */
    public static TokenOutcome parse(int status, byte[] body, @Nullable String retryAfter, @Nullable String rateRemaining,
            Instant now) {
        return parse(status, body, retryAfter, rateRemaining, now, null);
    }

    /**
     * The outcome of the access-token request sent with {@code narrowing} (its {@link
     * GitHubNarrowing#body()}), answered at {@code now}. With a narrowing, a 201 whose
     * {@code repositories}/{@code permissions} exceed it is refused (never used), and 422 (GitHub
     * refuses a repository or permission the installation lacks) fails with {@link
     * SourceFailure.Kind#REFUSED} naming the narrowing: the credential is fine, the run's narrowing
     * is not, so it neither breaks the credential nor falls back to the wide token.
     */
    public static TokenOutcome parse(int status, byte[] body, @Nullable String retryAfter, @Nullable String rateRemaining,
            Instant now, @Nullable GitHubNarrowing narrowing) {
        JsonNode n = json(body);
        String message = n != null && n.get("message") instanceof JsonNode m && m.isString() ? TokenOutcome.printable(m.asString()) : "";
        if (status == 201 || status == 200) {
            if (n == null || !(n.get("token") instanceof JsonNode t) || !t.isString() || t.asString().isEmpty()) {
                return new TokenOutcome.Failed(new SourceFailure(SourceFailure.Kind.BAD_VALUE,
                        "GitHub's answer has no installation token"));
            }
            String token = t.asString();
            if (token.length() > TokenOutcome.MAX_TOKEN_CHARS || token.chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e)) {
                return new TokenOutcome.Failed(new SourceFailure(SourceFailure.Kind.BAD_VALUE, "the installation token is not printable ASCII"));
            }
            Long expiresIn = null;
            if (n.get("expires_at") instanceof JsonNode e && e.isString()) {
                try {
                    expiresIn = Math.max(0, Duration.between(now, Instant.parse(e.asString())).toSeconds());
                } catch (DateTimeParseException ex) {
                    return new TokenOutcome.Failed(new SourceFailure(SourceFailure.Kind.BAD_VALUE, "expires_at is not a timestamp"));
                }
            }
            if (narrowing != null) {
                java.util.Optional<String> exceeded = narrowing.exceededBy(n);
                if (exceeded.isPresent()) {
                    return new TokenOutcome.Failed(new SourceFailure(SourceFailure.Kind.REFUSED, "GitHub's installation token "
                            + "exceeds the run's narrowing (" + narrowing.describe() + "): " + exceeded.get()
                            + "; the token was not used"));
                }
            }
            return new TokenOutcome.Granted(token, expiresIn, null);
        }
        if (status == 422 && narrowing != null) {
            return new TokenOutcome.Failed(new SourceFailure(SourceFailure.Kind.REFUSED, "GitHub refused the run's narrowing ("
                    + narrowing.describe() + "): " + (message.isEmpty() ? "HTTP 422" : message)
                    + "; nothing was forwarded with a wider token. Narrow the run to repositories and permissions the "
                    + "installation has"));
        }
        if (status == 401 || status == 404) {
            return new TokenOutcome.Rejected(status, status == 401 ? "bad_credentials" : "not_found",
                    message.isEmpty() ? (status == 401 ? "GitHub refused the app JWT (app id or private key)"
                            : "no such installation (was the app uninstalled?)") : message);
        }
        TokenOutcome fallback = TokenOutcome.parse(status, new byte[0], retryAfter);
        if (status == 403 && "0".equals(rateRemaining)) {
            return new TokenOutcome.Failed(new SourceFailure(SourceFailure.Kind.THROTTLED, "GitHub's rate limit is exhausted"));
        }
        if (fallback instanceof TokenOutcome.Failed f && !message.isEmpty()) {
            return new TokenOutcome.Failed(new SourceFailure(f.failure().kind(), "GitHub answered " + status + ": " + message,
                    f.failure().retryAfter()));
        }
        return fallback;
    }

    private static @Nullable JsonNode json(byte[] body) {
        if (body.length == 0 || body.length > 64 * 1024) {
            return null;
        }
        try {
            return TokenOutcome.JSON.readTree(body);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
