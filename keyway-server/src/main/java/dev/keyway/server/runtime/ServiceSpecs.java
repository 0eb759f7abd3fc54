package dev.keyway.server.runtime;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.ServiceDefinition;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The stored and wire form of a {@link ServiceDefinition}: the same JSON as {@code services.yaml}.
 * Parsed when snapshots are rebuilt and when the API receives a definition, never per request.
 */
public final class ServiceSpecs {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ServiceSpecs() {}

    public static ServiceDefinition parse(String json) {
        try {
            return MAPPER.readValue(json, ServiceDefinition.class);
        } catch (JacksonException e) {
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
