package dev.keyway.server.web;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiRequest;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Json;
import dev.keyway.server.http.Router;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The web console's only way to read or change anything: it calls the control-plane API routes in
 * process, as the signed-in user ({@code Authorization: Bearer <session token>}), through the same
 * {@link Router}. So the console can do exactly what the API allows that user, with the same
 * validation, authorization ({@code Access}), audit records and error messages, and no second
 * implementation of any rule. Problems come back as {@link KeywayException}s (the {@code field} of a
 * validation error included) for the page to show next to the form field.
 */
public final class InProcessApi {
    private final Router router;

    public InProcessApi(Router router) {
        this.router = router;
    }

    /** A client acting with {@code token} for a browser at {@code remote}. */
    public Client as(String token, InetSocketAddress remote) {
        return new Client(token, remote);
    }

    /** Calls made with one token. */
    public final class Client {
        private final String token;
        private final InetSocketAddress remote;

        private Client(String token, InetSocketAddress remote) {
            this.token = token;
            this.remote = remote;
        }

        public JsonNode get(String uri) {
            return call("GET", uri, null);
        }

        public JsonNode post(String uri, @Nullable Object body) {
            return call("POST", uri, body);
        }

        public JsonNode put(String uri, @Nullable Object body) {
            return call("PUT", uri, body);
        }

        public JsonNode delete(String uri) {
            return call("DELETE", uri, null);
        }

        /** Calls {@code METHOD uri} and returns the JSON body (an empty object for 204). */
        public JsonNode call(String method, String uri, @Nullable Object body) {
            Map<String, String> headers = new HashMap<>();
            headers.put("authorization", "Bearer " + token);
            byte[] bytes = new byte[0];
            if (body != null) {
                headers.put("content-type", ApiResponse.JSON);
                bytes = Json.write(body);
            }
            return invoke(method, uri, headers, bytes, remote);
        }
    }

    /** Calls a route without a token (login). */
    public JsonNode anonymous(String method, String uri, Object body, InetSocketAddress remote) {
        return invoke(method, uri, new HashMap<>(Map.of("content-type", ApiResponse.JSON)), Json.write(body), remote);
    }

    private JsonNode invoke(String method, String uri, Map<String, String> headers, byte[] body, InetSocketAddress remote) {
        QueryStringDecoder qs = new QueryStringDecoder(uri);
        String rid = UUID.randomUUID().toString();
        ApiResponse resp;
        switch (router.route(method, qs.rawPath())) {
            case Router.Match.Found f -> {
                try {
                    resp = f.handler().handle(new ApiRequest(method, qs.rawPath(), f.params(), qs.parameters(), headers, body,
                            remote, rid));
                } catch (KeywayException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            default -> throw new IllegalStateException("the console called a missing API route: " + method + " " + qs.rawPath());
        }
        if (resp.status() >= 400) {
            throw problem(resp);
        }
        return resp.body().length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(resp.body());
    }

    private static KeywayException problem(ApiResponse resp) {
        JsonNode doc = Json.MAPPER.readTree(resp.body());
        ErrorType type;
        try {
            type = ErrorType.fromSlug(resp.headers().getOrDefault("Keyway-Error", "internal"));
        } catch (IllegalArgumentException e) {
            type = ErrorType.INTERNAL;
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        if (doc.hasNonNull("field")) {
            extras.put("field", doc.get("field").asString());
        }
        return new KeywayException(type, doc.path("detail").asString(type.title()), extras);
    }
}
