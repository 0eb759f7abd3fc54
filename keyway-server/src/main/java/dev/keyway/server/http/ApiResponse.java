package dev.keyway.server.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A complete response. JSON bodies are serialized by {@link Json} before they get here. */
public record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static final String JSON = "application/json";
    public static final String PROBLEM_JSON = "application/problem+json";

    public ApiResponse {
        headers = Map.copyOf(headers);
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
        return new ApiResponse(status, contentType, body, h);
    }
}
