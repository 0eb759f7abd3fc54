package dev.keyway.server.http;

/**
 * Who may call a route, declared when the route is registered so that no route can exist without
 * a decision: {@link Router} refuses a route without one, checks it through its {@link Gate} before
 * the handler runs, and lists every route with its declaration (the authorization matrix test
 * iterates that list). Finer rules that depend on the data (the caller's role on the URL's vault,
 * whether it manages the token or agent named) stay in the handler.
 */
public enum RouteAccess {
    /** Anyone, without credentials: health, the CA certificate, the agent skill text, login, static assets. */
    PUBLIC,
    /** Any valid token or user session; the handler then checks vault roles and ownership. */
    AUTHENTICATED,
    /** The instance owner or the local admin token. */
    OWNER,
    /** A web-console page: checked by the console's own cookie session and CSRF guard, never a bearer token. */
    CONSOLE;

    /**
     * Enforces a route's {@link RouteAccess} before its handler runs; throws the problem
     * ({@code unauthorized}, {@code forbidden}) otherwise.
     */
    @FunctionalInterface
    public interface Gate {
        void check(RouteAccess access, ApiRequest request);

        /** For routers without authentication (tests of the HTTP layer): only PUBLIC and CONSOLE routes run. */
        Gate PUBLIC_ONLY = (access, request) -> {
            if (access == AUTHENTICATED || access == OWNER) {
                throw new dev.keyway.core.error.KeywayException(dev.keyway.core.error.ErrorType.UNAUTHORIZED,
                        "this server has no authentication configured");
            }
        };
    }
}
