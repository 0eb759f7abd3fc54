package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EditDistanceTest {

    @ParameterizedTest(name = "{0} / {1} = {2}")
    @CsvSource({
        "anthropic, anthropic, 0",
        "antrhopic, anthropic, 1",     // transposition
        "anthropc, anthropic, 1",      // deletion
        "anthroopic, anthropic, 1",    // insertion
        "anthrxpic, anthropic, 1",     // substitution
        "ANTHROPIC, anthropic, 0",     // case-insensitive
        "ca, abc, 3",                  // optimal string alignment, not unrestricted Damerau
        "'', abc, 3",
        "abc, '', 3",
        "github, gitlab, 2",
    })
    void distances(String a, String b, int expected) {
        assertThat(EditDistance.between(a, b)).isEqualTo(expected);
        assertThat(EditDistance.between(b, a)).isEqualTo(expected);
    }

    @Test
    void closestSkipsExactMatchesAndFarCandidates() {
        List<String> c = List.of("api.anthropic.com", "api.openai.com");
        assertThat(EditDistance.closest("api.antrhopic.com", c, 1)).hasValue("api.anthropic.com");
        assertThat(EditDistance.closest("api.anthropic.com", c, 1)).isEmpty();
        assertThat(EditDistance.closest("api.example.com", c, 1)).isEmpty();
        assertThat(EditDistance.closest("servce", List.of("service", "server"), 2)).hasValue("service");
    }
}
