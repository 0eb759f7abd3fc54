package dev.keyway.server.api;

import dev.keyway.server.http.ApiResponse;
import dev.keyway.server.http.RouteAccess;
import dev.keyway.server.http.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Unauthenticated, static documents: {@code GET /v1/skill.md}, the agent skill (how to work through
 * Keyway, what each {@code Keyway-Error} means, how to propose). The page behind an approval link
 * ({@code GET /approve/{id}}) is part of the web console ({@code dev.keyway.server.web}).
 */
public final class SkillRoutes {
    private final String skill = resource("keyway/skill.md");

    public void routes(Router r) {
        r.get("/v1/skill.md", RouteAccess.PUBLIC, req -> ApiResponse.text(200, "text/markdown; charset=utf-8", skill));
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
