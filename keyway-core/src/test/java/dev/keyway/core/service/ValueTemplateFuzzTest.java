package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target for header templates ({@code "token {GITHUB_TOKEN}"}, {@code "Basic {base64(A + B)}"}):
 * parsing fails only with a user-facing {@link IllegalArgumentException}; every reference it finds,
 * plain or inside a composite expression, is a valid credential name (so a template can never make
 * the injector look up something that is not a credential); the names it reports are exactly those
 * references; no literal part is empty; and formatting the parts back gives a template that parses
 * to the same parts.
 */
class ValueTemplateFuzzTest {

    public static void fuzzerTestOneInput(byte[] data) {
        String format = FuzzInput.of(data).restText();
        List<ValueTemplate.Part> parts;
        try {
            parts = ValueTemplate.parse(format);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        Set<String> refs = parts.stream()
                .flatMap(p -> switch (p) {
                    case ValueTemplate.Part.Reference r -> Stream.of(r.credential());
                    case ValueTemplate.Part.Expression e -> e.expression().credentialNames().stream();
                    case ValueTemplate.Part.Literal l -> Stream.<String>empty();
                })
                .collect(Collectors.toSet());
        for (String r : refs) {
            assertThat(Names.isCredentialName(r)).as(r).isTrue();
        }
        assertThat(ValueTemplate.credentialNames(format)).isEqualTo(refs);
        for (ValueTemplate.Part p : parts) {
            if (p instanceof ValueTemplate.Part.Literal l) {
                assertThat(l.text()).isNotEmpty();
            }
        }
        assertThat(ValueTemplate.parse(ValueTemplate.format(parts))).isEqualTo(parts);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, ValueTemplateFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(ValueTemplateFuzzTest.class);
    }
}
