package dev.keyway.server.runtime;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.server.http.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The stored and wire form of a {@link ServiceDefinition}: the same JSON as {@code services.yaml}.
 * Parsed when snapshots are rebuilt and when the API receives a definition, never per request.
 */
public final class ServiceSpecs {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // a member given twice would be read as its last value by us and maybe the first by a reviewer
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ServiceSpecs() {}

    public static ServiceDefinition parse(String json) {
        try {
            return MAPPER.readValue(json, ServiceDefinition.class);
        } catch (JacksonException e) {
            if (Json.isDuplicate(e)) {
                var loc = e.getLocation();
                throw new KeywayException(ErrorType.BAD_REQUEST, "duplicate member in service definition"
                        + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                        + "; each field may appear only once");
            }
            Throwable c = e.getCause();
            String msg = c instanceof IllegalArgumentException || c instanceof KeywayException ? c.getMessage() : e.getOriginalMessage();
            throw new KeywayException(ErrorType.VALIDATION, "invalid service definition: " + msg);
        }
    }

    public static ServiceDefinition fromTree(Object tree) {
        return parse(MAPPER.writeValueAsString(tree));
    }

    public static String toJson(ServiceDefinition s) {
        return MAPPER.writeValueAsString(s);
    }

    public static Object toTree(ServiceDefinition s) {
        return MAPPER.valueToTree(s);
    }
}
