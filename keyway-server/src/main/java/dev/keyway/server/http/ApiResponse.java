package dev.keyway.server.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A response: usually complete ({@code body}); JSON bodies are serialized by {@link Json} before they
 * get here. A streaming response ({@link #stream(String, EventStream)}) has an empty body and a
 * {@code stream} that writes the body in chunks.
 */
public record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers,
        @Nullable EventStream stream) {
    public static final String JSON = "application/json";
    public static final String PROBLEM_JSON = "application/problem+json";

    public ApiResponse {
        headers = Map.copyOf(headers);
    }

    public ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
        this(status, contentType, body, headers, null);
    }

    /** A 200 response whose body {@code stream} writes as it goes (e.g. {@code text/event-stream}). */
    public static ApiResponse stream(String contentType, EventStream stream) {
        return new ApiResponse(200, contentType, new byte[0], Map.of(), stream);
    }

    /** 303 See Other: after a form POST, the browser GETs {@code location} (a local path). */
    public static ApiResponse redirect(String location) {
        if (!location.startsWith("/") || location.startsWith("//")) {
            throw new IllegalArgumentException("redirects must stay on this origin: " + location);
        }
        return new ApiResponse(303, "text/plain; charset=utf-8", new byte[0], Map.of("Location", location));
    }

    public static ApiResponse json(int status, Object value) {
        return new ApiResponse(status, JSON, Json.write(value), Map.of());
    }

    public static ApiResponse ok(Object value) {
        return json(200, value);
    }

    public static ApiResponse created(Object value) {
        return json(201, value);
    }

    public static ApiResponse noContent() {
        return new ApiResponse(204, JSON, new byte[0], Map.of());
    }

    public static ApiResponse text(int status, String contentType, String body) {
        return new ApiResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public ApiResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new ApiResponse(status, contentType, body, h, stream);
    }
}
