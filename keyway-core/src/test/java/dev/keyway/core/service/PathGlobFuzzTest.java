package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target for {@link PathGlob}: a service's path rules are what confine a credential to part of
 * an API, so whatever the glob and the request path, compiling fails only with a user-facing {@link
 * IllegalArgumentException}, a path trick ({@code ..}, {@code %2f}, backslash) never matches, and a
 * match never leaves the glob's literal prefix. {@link #fuzzerTestOneInput} is the Jazzer entry point
 * ({@code ./mvnw -Pfuzz}); the parameterized test replays the committed corpus and seeded mutations.
 */
class PathGlobFuzzTest {

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        String glob = in.latin1(300);
        String path = in.restText();
        PathGlob compiled;
        try {
            compiled = PathGlob.compile(glob);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        boolean matches = compiled.matches(path);
        if (!PathGlob.isMatchablePath(path)) {
            assertThat(matches).as("unmatchable path %s matched %s", path, glob).isFalse();
        }
        if (matches) {
            String literal = glob.substring(0, compiled.literalPrefixLength());
            if (literal.endsWith("/") && glob.startsWith("**", literal.length())) {
                literal = literal.substring(0, literal.length() - 1); // "/x/**" also matches "/x"
            }
            assertThat(path).as("glob %s", glob).startsWith(literal);
            if (glob.indexOf('*') < 0) {
                assertThat(path).isEqualTo(glob);
            }
            String lower = path.toLowerCase(Locale.ROOT) + "/";
            assertThat(lower).doesNotContain("/../", "/./", "%2f", "%5c", "\\", "/%2e%2e/", "/%2e/");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, PathGlobFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(PathGlobFuzzTest.class);
    }
}
