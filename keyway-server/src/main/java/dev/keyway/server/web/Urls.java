package dev.keyway.server.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * Builds same-origin URLs from segments: every segment and query value is percent-encoded, so a
 * name can never turn a link into another path, another origin or a {@code javascript:} URL.
 */
public final class Urls {
    private Urls() {}

    /** {@code /seg1/seg2/...}, each segment encoded. */
    public static String path(String... segments) {
        StringBuilder b = new StringBuilder();
        for (String s : segments) {
            // "." and ".." would be resolved away by the browser: encode them so a name stays a name
            b.append('/').append(s.equals(".") || s.equals("..") ? s.replace(".", "%2E") : encode(s));
        }
        return b.isEmpty() ? "/" : b.toString();
    }

    /** The path plus a query string of the non-empty values. */
    public static String withQuery(String path, Map<String, @Nullable String> query) {
        StringJoiner j = new StringJoiner("&");
        query.forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                j.add(encode(k) + "=" + encode(v));
            }
        });
        return j.length() == 0 ? path : path + "?" + j;
    }

    public static String withQuery(String path, String key, @Nullable String value) {
        Map<String, @Nullable String> m = new LinkedHashMap<>();
        m.put(key, value);
        return withQuery(path, m);
    }

    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * A post-login destination: only a local absolute path (no scheme, no {@code //host}, no
     * backslash tricks), else {@code /}.
     */
    public static String safeNext(@Nullable String next) {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.contains("\\")
                || next.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            return "/";
        }
        return next;
    }
}
