package dev.keyway.server.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Maps {@code METHOD /path/{param}} to handlers. Each API area contributes its routes through a
 * {@code routes(Router)} method, so the server and the tests share one routing table. Literal
 * segments are preferred over parameters when two routes could match.
 *
 * <p>Every route declares its {@link RouteAccess}; registering one without it fails (so a server
 * with such a route does not start), and the router's {@link RouteAccess.Gate} enforces the
 * declaration before the handler runs, for the HTTP listener and the console's in-process calls
 * alike.
 */
public final class Router {
    /** One registered route, as {@link #routes()} lists it. */
    public record RouteInfo(String method, String pattern, RouteAccess access) {
        /** {@code METHOD /pattern}, e.g. {@code GET /v1/vaults/{vault}}. */
        public String key() {
            return method + " " + pattern;
        }
    }

    private final List<Route> routes = new ArrayList<>();
    private final RouteAccess.Gate gate;

    /** A router whose {@code gate} enforces each route's declared access. */
    public Router(RouteAccess.Gate gate) {
        this.gate = java.util.Objects.requireNonNull(gate);
    }

    /** A router without authentication: its AUTHENTICATED and OWNER routes always answer 401. */
    public Router() {
        this(RouteAccess.Gate.PUBLIC_ONLY);
    }

    public Router get(String pattern, RouteAccess access, Handler h) {
        return add("GET", pattern, access, h);
    }

    public Router post(String pattern, RouteAccess access, Handler h) {
        return add("POST", pattern, access, h);
    }

    public Router put(String pattern, RouteAccess access, Handler h) {
        return add("PUT", pattern, access, h);
    }

    public Router delete(String pattern, RouteAccess access, Handler h) {
        return add("DELETE", pattern, access, h);
    }

    /** Registers a route; {@code access} is required (a route without a declared access is a bug). */
    public Router add(String method, String pattern, @Nullable RouteAccess access, Handler h) {
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern must start with /: " + pattern);
        }
        if (access == null) {
            throw new IllegalArgumentException("route " + method + " " + pattern + " declares no access; every route must say "
                    + "who may call it (RouteAccess)");
        }
        for (Route r : routes) {
            if (r.method.equals(method) && r.pattern.equals(pattern)) {
                throw new IllegalArgumentException("route " + method + " " + pattern + " is registered twice");
            }
        }
        Handler guarded = req -> {
            gate.check(access, req);
            return h.handle(req);
        };
        routes.add(new Route(method, pattern, split(pattern), access, guarded));
        return this;
    }

    /** Every route with its declared access, in registration order. */
    public List<RouteInfo> routes() {
        return routes.stream().map(r -> new RouteInfo(r.method, r.pattern, r.access)).toList();
    }

    /** Result of routing: a handler with its parameters, or the allowed methods for a known path. */
    public sealed interface Match {
        record Found(Handler handler, Map<String, String> params) implements Match {}

        record WrongMethod(Set<String> allowed) implements Match {}

        record NotFound() implements Match {}
    }

    public Match route(String method, String rawPath) {
        String[] segs = split(rawPath);
        Match.Found best = null;
        int bestScore = -1;
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Map<String, String> params = r.match(segs);
            if (params == null) {
                continue;
            }
            allowed.add(r.method);
            boolean methodOk = r.method.equals(method) || (method.equals("HEAD") && r.method.equals("GET"));
            if (methodOk && r.literalCount > bestScore) {
                best = new Match.Found(r.handler, params);
                bestScore = r.literalCount;
            }
        }
        if (best != null) {
            return best;
        }
        return allowed.isEmpty() ? new Match.NotFound() : new Match.WrongMethod(allowed);
    }

    private static String[] split(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.equals("/") ? new String[0] : p.substring(1).split("/", -1);
    }

    private static final class Route {
        final String method;
        final String pattern;
        final String[] segs;
        final RouteAccess access;
        final Handler handler;
        final int literalCount;

        Route(String method, String pattern, String[] segs, RouteAccess access, Handler handler) {
            this.method = method;
            this.pattern = pattern;
            this.segs = segs;
            this.access = access;
            this.handler = handler;
            int n = 0;
            for (String s : segs) {
                if (!s.startsWith("{")) {
                    n++;
                }
            }
            this.literalCount = n;
        }

        @Nullable Map<String, String> match(String[] in) {
            if (in.length != segs.length) {
                return null;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < segs.length; i++) {
                String s = segs[i];
                if (s.startsWith("{") && s.endsWith("}")) {
                    if (in[i].isEmpty()) {
                        return null;
                    }
                    params.put(s.substring(1, s.length() - 1), URLDecoder.decode(in[i].replace("+", "%2B"), StandardCharsets.UTF_8));
                } else if (!s.equals(in[i])) {
                    return null;
                }
            }
            return params;
        }
    }
}
