package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Fuzz target for the service reader: {@code services.yaml} / the JSON API body bound into {@link
 * ServiceDefinition} records, then validated and compiled as {@code service apply} does. Whatever the
 * bytes, the outcome is a definition list that compiles, or a {@link JacksonException} / {@link
 * IllegalArgumentException} / {@link KeywayException} with a message for the user: nothing else escapes (no NPE, no stack
 * overflow from nesting, no class cast), and what validates also compiles into a matcher.
 */
class ServiceReaderFuzzTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<List<ServiceDefinition>> LIST = new TypeReference<>() {};

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        boolean yaml = in.intIn(0, 1) == 1;
        byte[] doc = in.rest();
        List<ServiceDefinition> services;
        try {
            services = yaml ? YAML.readValue(doc, LIST) : JSON.readValue(doc, LIST);
            if (services == null) {
                return;
            }
            for (ServiceDefinition s : services) {
                if (s == null) {
                    return;
                }
                ServiceValidator.validate(s);
            }
            ServiceValidator.validateVault(services);
        } catch (JacksonException | IllegalArgumentException | KeywayException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        VaultMatcher m = VaultMatcher.compile(services);
        assertThat(m.services()).hasSameSizeAs(services);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, ServiceReaderFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(ServiceReaderFuzzTest.class);
    }
}
