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
 */
public final class Router {
    private final List<Route> routes = new ArrayList<>();

    public Router get(String pattern, Handler h) {
        return add("GET", pattern, h);
    }

    public Router post(String pattern, Handler h) {
        return add("POST", pattern, h);
    }

    public Router put(String pattern, Handler h) {
        return add("PUT", pattern, h);
    }

    public Router delete(String pattern, Handler h) {
        return add("DELETE", pattern, h);
    }

    public Router add(String method, String pattern, Handler h) {
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern must start with /: " + pattern);
        }
        routes.add(new Route(method, split(pattern), h));
        return this;
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
        final String[] segs;
        final Handler handler;
        final int literalCount;

        Route(String method, String[] segs, Handler handler) {
            this.method = method;
            this.segs = segs;
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
