package dev.keyway.core.error;

import java.util.Map;

/**
 * An expected, user-facing failure: validation, not found, conflict, permission. Thrown inside
 * Keyway and mapped exactly once, at the boundary, to a problem+json response or a CLI exit code.
 *
 * <p>The detail message is shown to users and agents, so it must never contain secret values.
 * {@link #extras()} become additional members of the problem document (for example the field that
 * failed validation).
 */
public class KeywayException extends RuntimeException {
    private final ErrorType type;
    private final Map<String, Object> extras;

    public KeywayException(ErrorType type, String detail) {
        this(type, detail, Map.of());
    }

    public KeywayException(ErrorType type, String detail, Map<String, Object> extras) {
        super(detail, null, false, false);
        this.type = type;
        this.extras = Map.copyOf(extras);
    }

    public ErrorType type() {
        return type;
    }

    public String detail() {
        String d = getMessage();
        return d == null ? "" : d;
    }

    public Map<String, Object> extras() {
        return extras;
    }

    public static KeywayException validation(String field, String detail) {
        return new KeywayException(ErrorType.VALIDATION, detail, Map.of("field", field));
    }

    public static KeywayException notFound(String detail) {
        return new KeywayException(ErrorType.NOT_FOUND, detail);
    }

    public static KeywayException conflict(String detail) {
        return new KeywayException(ErrorType.CONFLICT, detail);
    }
}
