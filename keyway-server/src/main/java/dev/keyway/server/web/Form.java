package dev.keyway.server.web;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A submitted HTML form ({@code application/x-www-form-urlencoded}), parsed exactly: {@code &}
 * separates pairs, {@code +} is a space, percent escapes are UTF-8 (a {@code ;} is an ordinary
 * character, so credential values survive intact). Malformed bodies are a 400.
 */
public final class Form {
    static final int MAX_FIELDS = 512;
    private static final Form EMPTY = new Form(Map.of());

    private final Map<String, List<String>> values;

    private Form(Map<String, List<String>> values) {
        this.values = values;
    }

    public static Form empty() {
        return EMPTY;
    }

    /** Parses the request body; an empty body is an empty form; other content types are refused. */
    public static Form of(ApiRequest req) {
        if (req.body().length == 0) {
            return EMPTY;
        }
        String ct = req.header("content-type");
        if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new KeywayException(ErrorType.UNSUPPORTED_MEDIA_TYPE, "forms must be sent as application/x-www-form-urlencoded");
        }
        return parse(new String(req.body(), StandardCharsets.UTF_8));
    }

    public static Form parse(String body) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return EMPTY;
        }
        String[] pairs = body.split("&", -1);
        if (pairs.length > MAX_FIELDS) {
            throw new KeywayException(ErrorType.BAD_REQUEST, "too many form fields");
        }
        try {
            for (String pair : pairs) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        } catch (IllegalArgumentException e) {
            throw new KeywayException(ErrorType.BAD_REQUEST, "malformed form body");
        }
        return new Form(m);
    }

    /** The first value, or "". */
    public String get(String name) {
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? "" : v.getFirst();
    }

    /** The first value, stripped, or null when missing or blank. */
    public @Nullable String opt(String name) {
        String v = get(name).strip();
        return v.isEmpty() ? null : v;
    }

    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** The field names, in submission order. */
    public java.util.Set<String> names() {
        return values.keySet();
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** A checkbox: present with any value but "false"/"off". */
    public boolean checked(String name) {
        String v = get(name);
        return has(name) && !v.equals("false") && !v.equals("off");
    }

    @Override
    public String toString() {
        return "Form" + values.keySet(); // never the values: a form may carry a credential
    }
}
