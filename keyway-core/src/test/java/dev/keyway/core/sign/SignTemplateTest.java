package dev.keyway.core.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SignTemplateTest {
    private static final Set<SignVariable> ALL = EnumSet.allOf(SignVariable.class);
    private static final RequestValues REQ = new RequestValues("POST", "/api/v3/order", "symbol=LTCBTC&side=BUY",
            "api.example.com", "1499827319559", "00ff", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

    static Stream<Arguments> renders() {
        return Stream.of(
                Arguments.of("{query}{body}", "symbol=LTCBTC&side=BUY{\"a\":1}"),
                Arguments.of("{timestamp}{method}{path_query}{body}", "1499827319559POST/api/v3/order?symbol=LTCBTC&side=BUY{\"a\":1}"),
                Arguments.of("{method} {host}{path}", "POST api.example.com/api/v3/order"),
                Arguments.of("{nonce}:{body_sha256}", "00ff:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"),
                Arguments.of("{{literal}} }}x{{", "{literal} }x{"),
                Arguments.of("plain", "plain"),
                Arguments.of("", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void rendersTheDocumentedBytes(String template, String expected) {
        assertThat(new String(SignTemplate.parse(template, ALL, false).render(REQ), StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("{methd}", "unknown variable '{methd}' at position 0"),
                Arguments.of("abc{query}{Body}", "unknown variable '{Body}' at position 10"),
                Arguments.of("{query", "unclosed '{' at position 0"),
                Arguments.of("x}", "unmatched '}' at position 1"),
                Arguments.of("{API_KEY}", "credential reference '{API_KEY}' at position 0 is not allowed here"),
                Arguments.of("a\nb", "control character U+000A at position 1"),
                Arguments.of("{}", "unknown variable '{}' at position 0"),
                Arguments.of("x".repeat(1025), "at most 1024 characters"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("errors")
    void refusesWithThePosition(String template, String message) {
        assertThatThrownBy(() -> SignTemplate.parse(template, ALL, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void aVariableNotOfferedHereIsRefusedByName() {
        assertThatThrownBy(() -> SignTemplate.parse("{body}", EnumSet.of(SignVariable.METHOD), true))
                .hasMessageContaining("variable '{body}' at position 0 is not available here; expected one of {method}");
    }

    @Test
    void credentialsWhereAllowedAndTheBodyOnlyWhenUsed() {
        SignTemplate t = SignTemplate.parse("{method} {KEY_NAME}", ALL, true);
        assertThat(t.credentialNames()).containsExactly("KEY_NAME");
        assertThat(t.needsBody()).isFalse();
        assertThat(new String(t.render(REQ, n -> Map.of("KEY_NAME", "k1".getBytes(StandardCharsets.UTF_8)).get(n)),
                StandardCharsets.UTF_8)).isEqualTo("POST k1");
        assertThat(SignTemplate.parse("{body_sha256}", ALL, false).needsBody()).isTrue();
        assertThat(SignTemplate.parse("{{body}}", ALL, false).needsBody()).isFalse();
    }

    @Test
    void renamingKeepsVariablesAndEscapes() {
        assertThat(SignTemplate.parse("{{x}} {method} {OLD}", ALL, true).renameCredentials(n -> n.equals("OLD") ? "NEW" : n))
                .isEqualTo("{{x}} {method} {NEW}");
    }
}
