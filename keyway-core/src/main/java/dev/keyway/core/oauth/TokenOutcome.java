package dev.keyway.core.oauth;

import dev.keyway.core.source.SourceFailure;
import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a token endpoint's answer means, as a pure function of status, body and
 * {@code Retry-After}, so every case is a row in a table test.
 *
 * <ul>
 *   <li>{@link Granted}: RFC 6749 §5.1, a 200 JSON object with a non-empty {@code access_token},
 *       a {@code token_type} of {@code Bearer} (case-insensitive, §7.1; absent is tolerated), and
 *       optionally {@code expires_in} and a (rotated) {@code refresh_token}.</li>
 *   <li>{@link Rejected}: RFC 6749 §5.2 errors that mean the grant or the client is no longer
 *       accepted ({@code invalid_grant}: the refresh token was revoked, expired or reused;
 *       {@code invalid_client}; {@code unauthorized_client}). Retrying cannot help: a human must
 *       re-authorize, so the credential is marked broken.</li>
 *   <li>{@link Failed}: everything else, as the {@link SourceFailure} kind the cache backs off on:
 *       429 throttled, 5xx or a garbled answer unavailable, other §5.2 errors
 *       ({@code invalid_request}, {@code invalid_scope}, {@code unsupported_grant_type}) auth.</li>
 * </ul>
 * Messages quote the server's {@code error} and a bounded, printable {@code error_description};
 * never a token.
 */
public sealed interface TokenOutcome {
    /** RFC 6749 §5.2 error codes after which only a re-authorization helps. */
    Set<String> BREAKING = Set.of("invalid_grant", "invalid_client", "unauthorized_client");

    /**
     * {@code token_type} values of bearer tokens: RFC 6750's {@code Bearer}, and Slack's {@code bot}
     * and {@code user} ({@code oauth.v2.access} names the token's owner there; Slack's tokens are
     * sent as {@code Authorization: Bearer}).
     */
    Set<String> BEARER_TYPES = Set.of("bearer", "bot", "user");

    /** Largest access token accepted (it is injected into a header). */
    int MAX_TOKEN_CHARS = 16 * 1024;

    /** A usable access token; {@code refreshToken} non-null when the server issued (rotated) one. */
    record Granted(String accessToken, @Nullable Long expiresIn, @Nullable String refreshToken) implements TokenOutcome {
        @Override
        public String toString() {
            return "Granted[expiresIn=" + expiresIn + ", rotated=" + (refreshToken != null) + "]";
        }
    }

    /** The server rejected the grant or the client for good ({@link #BREAKING}). */
    record Rejected(int status, String error, String description) implements TokenOutcome {
        public String describe() {
            return error + (description.isEmpty() ? "" : ": " + description) + " (HTTP " + status + ")";
        }
    }

    /** A failure the cache retries with backoff. */
    record Failed(SourceFailure failure) implements TokenOutcome {}

    JsonMapper JSON = JsonMapper.shared();

    static TokenOutcome parse(int status, byte[] body, @Nullable String retryAfter) {
        JsonNode n = json(body);
        if (status == 200) {
            if (n == null || !n.isObject()) {
                return failed(SourceFailure.Kind.BAD_VALUE, "the token endpoint's 200 answer is not a JSON object (RFC 6749 §5.1)");
            }
            JsonNode at = n.get("access_token");
            if (at == null || !at.isString() || at.asString().isEmpty()) {
                return failed(SourceFailure.Kind.BAD_VALUE, "the token endpoint's answer has no access_token (RFC 6749 §5.1)");
            }
            String token = at.asString();
            if (token.length() > MAX_TOKEN_CHARS || token.chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e)) {
                return failed(SourceFailure.Kind.BAD_VALUE, "the access token is longer than " + MAX_TOKEN_CHARS
                        + " characters or not printable ASCII");
            }
            JsonNode type = n.get("token_type");
            if (type != null && !(type.isString() && BEARER_TYPES.contains(type.asString().toLowerCase(java.util.Locale.ROOT)))) {
                return failed(SourceFailure.Kind.BAD_VALUE, "token_type " + printable(type.asString()) + " is not Bearer;"
                        + " only bearer tokens can be injected");
            }
            Long expiresIn = null;
            JsonNode ei = n.get("expires_in");
            if (ei != null && !ei.isNull()) {
                if (ei.isIntegralNumber() && ei.asLong() >= 0) {
                    expiresIn = ei.asLong();
                } else if (ei.isString() && ei.asString().matches("[0-9]{1,12}")) {
                    expiresIn = Long.parseLong(ei.asString()); // some servers quote it
                } else {
                    return failed(SourceFailure.Kind.BAD_VALUE, "expires_in is not a non-negative number of seconds");
                }
            }
            JsonNode rt = n.get("refresh_token");
            String refresh = rt != null && rt.isString() && !rt.asString().isEmpty() ? rt.asString() : null;
            return new Granted(token, expiresIn, refresh);
        }
        Duration ra = retryAfter(retryAfter);
        if (status == 429) {
            return new Failed(new SourceFailure(SourceFailure.Kind.THROTTLED, "the token endpoint answered 429", ra));
        }
        if (status >= 500) {
            return new Failed(new SourceFailure(SourceFailure.Kind.UNAVAILABLE, "the token endpoint answered " + status, ra));
        }
        if (n != null && n.isObject() && n.get("error") instanceof JsonNode e && e.isString()) {
            String error = printable(e.asString());
            JsonNode d = n.get("error_description");
            String desc = d != null && d.isString() ? printable(d.asString()) : "";
            if (BREAKING.contains(error)) {
                return new Rejected(status, error, desc);
            }
            return failed(SourceFailure.Kind.AUTH, "the token endpoint refused the request: " + error
                    + (desc.isEmpty() ? "" : ": " + desc) + " (HTTP " + status + ")");
        }
        return failed(status == 401 || status == 403 ? SourceFailure.Kind.AUTH
                : status == 404 ? SourceFailure.Kind.NOT_FOUND : SourceFailure.Kind.UNAVAILABLE,
                "the token endpoint answered " + status + " without an RFC 6749 §5.2 error");
    }

    /**
     * How long an access token is used: until shortly before it expires ({@code expires_in} less a
     * tenth, at most a minute, so clock skew and the request's own flight cannot use an expired
     * token), at least one second; {@code fallback} when the server gave no lifetime.
     */
    static Duration cacheFor(@Nullable Long expiresIn, Duration fallback) {
        if (expiresIn == null) {
            return fallback;
        }
        long margin = Math.min(60, expiresIn / 10);
        return Duration.ofSeconds(Math.max(1, expiresIn - margin));
    }

    private static TokenOutcome failed(SourceFailure.Kind kind, String message) {
        return new Failed(new SourceFailure(kind, message));
    }

    private static @Nullable JsonNode json(byte[] body) {
        if (body.length == 0 || body.length > 64 * 1024) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static @Nullable Duration retryAfter(@Nullable String v) {
        if (v == null) {
            return null;
        }
        try {
            long s = Long.parseLong(v.strip());
            return s >= 0 ? Duration.ofSeconds(Math.min(s, 3600)) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** At most 200 printable ASCII characters (a server's text goes into problem details and logs). */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
