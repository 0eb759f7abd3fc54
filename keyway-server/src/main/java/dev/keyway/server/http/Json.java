package dev.keyway.server.http;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The control plane's JSON conventions in one place: snake_case members, ISO-8601 timestamps,
 * unknown members rejected (a typo must not be silently ignored), duplicate members rejected (two
 * readers of one document must not see different values), trailing garbage rejected.
 */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private Json() {}

    public static byte[] write(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    /**
     * Parses a request body, turning every parse problem into a 400 naming the bad member. Routes
     * call {@link ApiRequest#json}, which checks the {@code Content-Type} first.
     */
    static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new KeywayException(ErrorType.BAD_REQUEST, "request body is empty; expected a JSON object");
        }
        try {
            T v = MAPPER.readValue(body, type);
            if (v == null) {
                throw new KeywayException(ErrorType.BAD_REQUEST, "request body is null; expected a JSON object");
            }
            return v;
        } catch (UnrecognizedPropertyException e) {
            throw new KeywayException(
                    ErrorType.BAD_REQUEST,
                    "unknown field '" + e.getPropertyName() + "'" + known(e),
                    Map.of("field", e.getPropertyName()));
        } catch (JacksonException e) {
            // Never echo the parser's message: it quotes the offending input, which may be a secret value.
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            if (isDuplicate(e)) {
                throw new KeywayException(ErrorType.BAD_REQUEST, "duplicate member in JSON body" + where
                        + "; each field may appear only once");
            }
            throw new KeywayException(ErrorType.BAD_REQUEST, "invalid JSON body" + where
                    + "; expected a JSON object with the documented fields");
        }
    }

    /** Jackson reports a duplicate member (with {@code STRICT_DUPLICATE_DETECTION}) as a parse error with this text. */
    public static boolean isDuplicate(JacksonException e) {
        String m = e.getOriginalMessage();
        return e instanceof StreamReadException && m != null && m.startsWith("Duplicate ");
    }

    private static String known(UnrecognizedPropertyException e) {
        var ids = e.getKnownPropertyIds();
        return ids == null || ids.isEmpty() ? "" : " (known fields: " + ids + ")";
    }
}
