package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shared naming rules, as tables, and the echo of untrusted input in messages. */
class NamesTest {
    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
        "default, true",
        "team-a, true",
        "0prod, true",
        "a, true",
        "Team, false",
        "-a, false",
        "a_b, false",
        "a.b, false",
        "'', false",
        "NULL, false",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc, true",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd, false",
    })
    void vault(String name, boolean valid) {
        if (valid) {
            assertThat(Names.vault(name)).isEqualTo(name);
        } else {
            assertThatThrownBy(() -> Names.vault(name)).isInstanceOfSatisfying(KeywayException.class, e -> {
                assertThat(e.type()).isEqualTo(ErrorType.VALIDATION);
                assertThat(e.getMessage()).contains("invalid vault name").contains("lower-case letters, digits and '-'");
            });
        }
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
        "OPENAI_API_KEY, true",
        "K, true",
        "K2_, true",
        "openai_api_key, false",
        "_KEY, false",
        "2KEY, false",
        "MY-KEY, false",
        "'', false",
        "NULL, false",
    })
    void credential(String name, boolean valid) {
        if (valid) {
            assertThat(Names.credential(name)).isEqualTo(name);
            assertThat(Names.isCredentialName(name)).isTrue();
        } else {
            assertThatThrownBy(() -> Names.credential(name)).isInstanceOfSatisfying(KeywayException.class,
                    e -> assertThat(e.type()).isEqualTo(ErrorType.VALIDATION));
        }
    }

    @Test
    void credentialNamesAreAtMost128Characters() {
        assertThat(Names.isCredentialName("A".repeat(128))).isTrue();
        assertThat(Names.isCredentialName("A".repeat(129))).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
        "github, true",
        "api.openai_v2-x, true",
        "GitHub, false",
        ".hidden, false",
        "a/b, false",
    })
    void serviceAndAgentNames(String name, boolean valid) {
        assertThat(Names.isServiceName(name)).isEqualTo(valid);
        assertThat(Names.AGENT_NAME.matcher(name).matches()).isEqualTo(valid);
    }

    @Test
    void printableReplacesControlCharactersAndCaps() {
        assertThat(Names.printable(null)).isEmpty();
        assertThat(Names.printable("a\nb\u0000c\u007fd")).isEqualTo("a?b?c?d");
        assertThat(Names.printable("é ok")).isEqualTo("é ok");
        assertThat(Names.printable("x".repeat(80))).isEqualTo("x".repeat(80));
        assertThat(Names.printable("x".repeat(81))).isEqualTo("x".repeat(80) + "...");
    }
}
