package dev.keyway.server.web;

import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The console's static files ({@code /assets/*}), committed under {@code resources/web/} and
 * served by Keyway itself: no CDN, no build step. Only the files listed here exist; they are read
 * once at start-up.
 */
final class Assets {
    private static final Map<String, String> TYPES = Map.of(
            "app.css", "text/css; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "approve.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final Map<String, byte[]> files = new HashMap<>();

    Assets() {
        TYPES.keySet().forEach(name -> files.put(name, load("web/" + name)));
    }

    void routes(Router r) {
        r.get("/assets/{file}", RouteAccess.PUBLIC, req -> {
            String name = req.param("file");
            byte[] body = files.get(name);
            if (body == null) {
                throw KeywayException.notFound("no such asset");
            }
            return new ApiResponse(200, TYPES.getOrDefault(name, "application/octet-stream"), body, Map.of())
                    .withHeader("Cache-Control", "no-cache")
                    .withHeader("Content-Security-Policy", Layout.CSP);
        });
        byte[] favicon = java.util.Objects.requireNonNull(files.get("favicon.svg"), "favicon.svg is bundled");
        r.get("/favicon.ico", RouteAccess.PUBLIC, req -> new ApiResponse(200, "image/svg+xml", favicon, Map.of())
                .withHeader("Cache-Control", "no-cache"));
    }

    private static byte[] load(String path) {
        try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
