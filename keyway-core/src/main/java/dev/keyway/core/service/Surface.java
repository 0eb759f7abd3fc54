package dev.keyway.core.service;

import java.util.Locale;

/**
 * A part of an HTTP request where a {@link Injection.Substitute substitute} service may replace its
 * placeholder with the real credential. Each surface has its own encoding, applied by the injector:
 *
 * <ul>
 *   <li>{@link #HEADER}: header values, raw (a value with a control character is refused). A
 *       {@code Authorization: Basic base64(user:pass)} header is decoded, substituted and
 *       re-encoded, because git and other Basic clients hide the placeholder inside base64.
 *   <li>{@link #PATH}: the request path, the value percent-encoded as one path segment.
 *   <li>{@link #QUERY}: the query string, the value percent-encoded as a query component.
 *   <li>{@link #BODY}: the request body, raw bytes, streamed.
 *   <li>{@link #WEBSOCKET}: client-to-server WebSocket text messages, raw.
 * </ul>
 *
 * <p>When a substitute service declares no surfaces ({@code in} omitted) it gets {@link
 * Injection.Substitute#DEFAULT_SURFACES}: header, path and query. Body and WebSocket substitution
 * change message lengths and cost a streaming rewrite, so they are opt-in.
 */
public enum Surface {
    HEADER,
    PATH,
    QUERY,
    BODY,
    WEBSOCKET;

    /** The lower-case name used in {@code services.yaml} ({@code in: [header, body]}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name, case-insensitively; throws IllegalArgumentException listing the options. */
    public static Surface fromWireName(String name) {
        for (Surface s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException(
                "unknown surface '" + name + "'; expected one of header, path, query, body, websocket");
    }
}
