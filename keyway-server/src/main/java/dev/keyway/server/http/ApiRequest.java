package dev.keyway.server.http;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One control-plane request, fully read (bodies are size-limited by the codec), decoupled from
 * Netty so handlers are plain functions that tests can call directly.
 *
 * @param headers header names lower-cased; first value wins
 * @param pathParams values of {@code {name}} segments of the matched route, URL-decoded
 */
public record ApiRequest(
        String method,
        String path,
        Map<String, String> pathParams,
        Map<String, List<String>> query,
        Map<String, String> headers,
        byte[] body,
        InetSocketAddress remote,
        String requestId) {

    public String param(String name) {
        String v = pathParams.get(name);
        if (v == null) {
            throw new IllegalStateException("route has no parameter " + name);
        }
        return v;
    }

    public @Nullable String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    public boolean queryFlag(String name) {
        String v = queryParam(name);
        return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
    }

    public int queryInt(String name, int defaultValue, int min, int max) {
        String v = queryParam(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new KeywayException(
                    ErrorType.BAD_REQUEST,
                    "query parameter '" + name + "' must be an integer between " + min + " and " + max,
                    Map.of("field", name));
        }
    }

    /**
     * Parses the body as JSON into {@code type}: 415 {@code unsupported-media-type} unless the
     * request says {@code Content-Type: application/json} (see {@link MediaTypes#isJson}); 400 for an
     * empty or malformed body, an unknown or a duplicate member. The only way a route reads JSON.
     */
    public <T> T json(Class<T> type) {
        requireJsonBody();
        return Json.read(body, type);
    }

    /** The body as UTF-8 text, after the same {@code Content-Type} check as {@link #json}. */
    public String jsonText() {
        requireJsonBody();
        return new String(body, StandardCharsets.UTF_8);
    }

    private void requireJsonBody() {
        if (body.length == 0) {
            return; // nothing to type; the parser answers 400 for a missing body
        }
        String ct = header("content-type");
        if (!MediaTypes.isJson(ct)) {
            String got = ct == null ? "no Content-Type" : MediaTypes.printableType(ct) == null
                    ? "an unreadable Content-Type" : "Content-Type " + MediaTypes.printableType(ct);
            throw new KeywayException(ErrorType.UNSUPPORTED_MEDIA_TYPE,
                    "this endpoint takes a JSON body: send Content-Type: application/json (got " + got + ")");
        }
    }

    public @Nullable String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}
