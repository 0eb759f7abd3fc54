package dev.keyway.core.oauth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * What the authorization server's redirect to the loopback listener means (RFC 6749 §4.1.2 and
 * §4.1.2.1), as a pure function of the redirect's raw query and the {@code state} the client sent,
 * so every case is a row in a table test.
 *
 * <p>The {@code state} is checked first, in constant time, for every answer, errors included: a
 * redirect that does not carry the exact state this client generated was not caused by this
 * client's request (§10.12, cross-site request forgery; another local process can reach a loopback
 * port too), so neither its code nor its error is trusted. A parameter given twice is malformed
 * (§3.1).
 */
public sealed interface AuthorizationCallback {
    /** The longest query accepted. */
    int MAX_QUERY = 8 * 1024;

    /** §4.1.2: the authorization code to redeem (a secret: not printed). */
    record Code(String code) implements AuthorizationCallback {
        @Override
        public String toString() {
            return "Code[redacted]";
        }
    }

    /** §4.1.2.1: the server (or the user) refused, e.g. {@code access_denied}. */
    record Denied(String error, String description) implements AuthorizationCallback {
        public String describe() {
            return error + (description.isEmpty() ? "" : ": " + description);
        }
    }

    /** The state is missing or not the one this client sent. */
    record StateMismatch() implements AuthorizationCallback {}

    /** Neither a code nor an error, a repeated parameter, or too long. */
    record Malformed(String reason) implements AuthorizationCallback {}

    static AuthorizationCallback parse(String rawQuery, String expectedState) {
        if (rawQuery.length() > MAX_QUERY) {
            return new Malformed("the redirect's query is longer than " + MAX_QUERY + " characters");
        }
        Map<String, String> q = new HashMap<>();
        for (String kv : rawQuery.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k;
            String v;
            try {
                k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return new Malformed("the redirect's query is not form-encoded");
            }
            if (q.put(k, v) != null) {
                return new Malformed("parameter '" + TokenOutcome.printable(k) + "' appears more than once (RFC 6749 §3.1)");
            }
        }
        String state = q.get("state");
        if (state == null || !MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8),
                expectedState.getBytes(StandardCharsets.UTF_8))) {
            return new StateMismatch();
        }
        String error = q.get("error");
        if (error != null) {
            return new Denied(TokenOutcome.printable(error), TokenOutcome.printable(q.getOrDefault("error_description", "")));
        }
        String code = q.get("code");
        if (code == null || code.isEmpty()) {
            return new Malformed("the redirect carries neither code nor error");
        }
        return new Code(code);
    }
}
