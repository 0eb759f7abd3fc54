package dev.keyway.core.decoy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.service.PlaceholderFormat;
import java.util.Random;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class DecoyShapeTest {

    /** Template, the regex its vendor's SDK (or key format) accepts, the exact length. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("openai", "sk-proj-[A-Za-z0-9]+", 164),
                Arguments.of("anthropic", "sk-ant-api03-[A-Za-z0-9]+", 108),
                Arguments.of("github", "ghp_[A-Za-z0-9]{36}", 40),
                Arguments.of("gemini", "AIza[A-Za-z0-9]{35}", 39),
                Arguments.of("openrouter", "sk-or-v1-[0-9a-f]{64}", 73),
                Arguments.of("slack", "xoxb-[0-9]{10}-[0-9]{13}-[A-Za-z0-9]{24}", 54),
                Arguments.of("exa", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 36),
                Arguments.of("telegram", "[0-9]{10}:[A-Za-z0-9]+", 46));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void likeATemplatePassesItsShapeAndIsRandom(String template, String regex, int length) {
        PlaceholderFormat like = DecoyShape.template(template).orElseThrow();
        RandomGenerator r = new Random(7);
        String a = DecoyShape.generate(like, r);
        String b = DecoyShape.generate(like, r);
        assertThat(a).matches(regex).hasSize(length).isNotEqualTo(b).isNotEqualTo(like.value());
        assertThat(a).doesNotContainIgnoringCase("keyway").doesNotContain("6b6579776179");
    }

    @Test
    void plainDecoyIsFortyLettersAndDigits() {
        assertThat(DecoyShape.generate(null, new Random(1))).matches("[A-Za-z0-9]{40}");
        assertThat(DecoyShape.template("no-such-template")).isEmpty();
    }
}
