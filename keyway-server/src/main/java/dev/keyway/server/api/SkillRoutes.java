package dev.keyway.server.api;

import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Unauthenticated, static documents: {@code GET /v1/skill.md}, the agent skill (how to work through
 * Keyway, what each {@code Keyway-Error} means, how to propose), and the read-only approval page
 * behind an approval link ({@code GET /approve/{id}}; the approval token stays in the URL fragment,
 * which browsers never send, and the page's script uses it as a Bearer token).
 */
public final class SkillRoutes {
    private static final String CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final String skill = resource("keyway/skill.md");
    private final String page = resource("keyway/approve.html");
    private final String script = resource("keyway/approve.js");

    public void routes(Router r) {
        r.get("/v1/skill.md", req -> ApiResponse.text(200, "text/markdown; charset=utf-8", skill));
        r.get("/approve/{id}", req -> ApiResponse.text(200, "text/html; charset=utf-8", page)
                .withHeader("Content-Security-Policy", CSP)
                .withHeader("Referrer-Policy", "no-referrer")
                .withHeader("X-Frame-Options", "DENY"));
        r.get("/approve.js", req -> ApiResponse.text(200, "text/javascript; charset=utf-8", script));
    }

    /** The skill text as shipped in the jar. */
    public static String skillText() {
        return resource("keyway/skill.md");
    }

    private static String resource(String name) {
        try (InputStream in = SkillRoutes.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
