package dev.keyway.server.http;

import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a request's {@code Content-Type} announces JSON. JSON bodies are only accepted
 * when the client says so: a body sent as {@code text/plain}, form-encoded or untyped is refused
 * (415), which also keeps a cross-site HTML form (which can only send those types) from reaching a
 * JSON endpoint.
 */
public final class MediaTypes {
    private static final Pattern TOKEN = Pattern.compile("[a-z0-9!#$&^_.+-]{1,64}");

    private MediaTypes() {}

    /**
     * True for {@code application/json} and {@code application/<anything>+json}, with optional
     * parameters; a {@code charset} parameter must be UTF-8 (the only encoding the API reads).
     */
    public static boolean isJson(@Nullable String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.split(";", -1);
        String type = parts[0].strip().toLowerCase(Locale.ROOT);
        int slash = type.indexOf('/');
        if (slash < 0 || !type.substring(0, slash).equals("application")) {
            return false;
        }
        String sub = type.substring(slash + 1);
        if (!TOKEN.matcher(sub).matches() || !(sub.equals("json") || (sub.endsWith("+json") && sub.length() > 5))) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq < 0) {
                return false;
            }
            String name = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = p.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (name.equals("charset") && !(value.equalsIgnoreCase("utf-8") || value.equalsIgnoreCase("utf8"))) {
                return false;
            }
        }
        return true;
    }

    /** The {@code type/subtype} of {@code contentType} if it is a plain token pair (safe to quote), else null. */
    static @Nullable String printableType(@Nullable String contentType) {
        if (contentType == null) {
            return null;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        int slash = type.indexOf('/');
        return slash > 0 && TOKEN.matcher(type.substring(0, slash)).matches() && TOKEN.matcher(type.substring(slash + 1)).matches()
                ? type
                : null;
    }
}
