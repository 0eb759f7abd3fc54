package dev.keyway.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The router runs the gate with the route's declared access before the handler, and lists every route. */
class RouterAccessTest {
    private static ApiRequest get(String path) {
        return new ApiRequest("GET", path, Map.of(), Map.of(), Map.of(), new byte[0],
                new InetSocketAddress("127.0.0.1", 1), "rid");
    }

    private static ApiResponse call(Router r, String path) throws Exception {
        Router.Match.Found f = (Router.Match.Found) r.route("GET", path);
        return f.handler().handle(get(path));
    }

    @Test
    void theGateSeesTheDeclaredAccessBeforeTheHandlerRuns() throws Exception {
        List<String> seen = new ArrayList<>();
        Router r = new Router((access, req) -> {
            seen.add(access + " " + req.path());
            if (access == RouteAccess.OWNER) {
                throw new KeywayException(ErrorType.FORBIDDEN, "not the owner");
            }
        });
        List<String> ran = new ArrayList<>();
        r.get("/open", RouteAccess.PUBLIC, req -> {
            ran.add("open");
            return ApiResponse.noContent();
        });
        r.get("/admin", RouteAccess.OWNER, req -> {
            ran.add("admin");
            return ApiResponse.noContent();
        });
        assertThat(call(r, "/open").status()).isEqualTo(204);
        assertThatThrownBy(() -> call(r, "/admin")).isInstanceOf(KeywayException.class).hasMessageContaining("owner");
        assertThat(seen).containsExactly("PUBLIC /open", "OWNER /admin");
        assertThat(ran).containsExactly("open");
        assertThat(r.routes()).extracting(Router.RouteInfo::key, Router.RouteInfo::access).containsExactly(
                org.assertj.core.groups.Tuple.tuple("GET /open", RouteAccess.PUBLIC),
                org.assertj.core.groups.Tuple.tuple("GET /admin", RouteAccess.OWNER));
    }

    @Test
    void aRouterWithoutAuthenticationNeverRunsAnAuthenticatedRoute() {
        Router r = new Router();
        r.get("/private", RouteAccess.AUTHENTICATED, req -> ApiResponse.noContent());
        assertThatThrownBy(() -> call(r, "/private")).isInstanceOfSatisfying(KeywayException.class,
                e -> assertThat(e.type()).isEqualTo(ErrorType.UNAUTHORIZED));
    }

    @Test
    void routesWithoutAccessOrTwiceAreRefused() {
        Router r = new Router();
        assertThatThrownBy(() -> r.add("GET", "/x", null, req -> ApiResponse.noContent()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declares no access");
        r.get("/x", RouteAccess.PUBLIC, req -> ApiResponse.noContent());
        assertThatThrownBy(() -> r.get("/x", RouteAccess.PUBLIC, req -> ApiResponse.noContent()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    }
}
