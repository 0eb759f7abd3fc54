package dev.keyway.core.sign;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A per-request value a signing template may name in braces, e.g. {@code {method}}. Lower-case, so
 * it can never be confused with a credential name (upper-case, {@code {API_KEY}}).
 */
public enum SignVariable {
    /** The request method, upper-case ({@code GET}). */
    METHOD,
    /** The path as sent, without the query ({@code /api/v3/order}). */
    PATH,
    /** The query as sent, without the {@code ?} (empty when there is none). */
    QUERY,
    /** The path and, when there is a query, {@code ?} and the query ({@code /orders?limit=5}). */
    PATH_QUERY,
    /** The {@code Host} the request is sent with ({@code api.example.com}, a non-default port included). */
    HOST,
    /** The signing time in the injection's unit (seconds or milliseconds since the epoch). */
    TIMESTAMP,
    /** A fresh random value per request: 32 lower-case hex digits. */
    NONCE,
    /** The request body, byte for byte (empty when there is none). */
    BODY,
    /** The lower-case hex SHA-256 of the body (of the empty string when there is none). */
    BODY_SHA256;

    /** The name written in templates: {@code path_query}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The variable spelled {@code name} in a template, if any. */
    public static Optional<SignVariable> fromWireName(String name) {
        return Arrays.stream(values()).filter(v -> v.wireName().equals(name)).findFirst();
    }

    /** Whether the body must be buffered to render this variable. */
    public boolean needsBody() {
        return this == BODY || this == BODY_SHA256;
    }
}
