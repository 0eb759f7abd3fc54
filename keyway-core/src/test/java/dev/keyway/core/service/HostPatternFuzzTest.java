package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target for {@link HostPattern}: the host of a service decides where a credential may go.
 * Whatever the pattern and the host a client names, parsing fails only with a user-facing {@link
 * IllegalArgumentException}, the canonical text re-parses to the same pattern, normalisation is
 * idempotent, an exact pattern matches only its own host, and a wildcard matches exactly one more
 * label under its suffix (never the suffix itself nor a look-alike such as {@code evilexample.com}).
 */
class HostPatternFuzzTest {

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        String pattern = in.text(200);
        int port = in.intIn(0, 255) * 257;
        String host = in.restText();
        @Nullable String normal = HostPattern.normalizeHost(host);
        if (normal != null) {
            assertThat(HostPattern.normalizeHost(normal)).isEqualTo(normal);
        }
        HostPattern p;
        try {
            p = HostPattern.parse(pattern);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(HostPattern.parse(p.toString())).as("canonical text of %s re-parses", pattern).isEqualTo(p);
        if (normal == null || !p.matches(normal, port)) {
            return;
        }
        if (p.hasPort()) {
            assertThat(port).isEqualTo(p.port());
        }
        if (p.wildcard()) {
            assertThat(normal).endsWith("." + p.host());
            String label = normal.substring(0, normal.length() - p.host().length() - 1);
            assertThat(label).isNotEmpty().doesNotContain(".");
        } else {
            assertThat(normal).isEqualTo(p.host());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, HostPatternFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(HostPatternFuzzTest.class);
    }
}
