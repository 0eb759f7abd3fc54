package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceWarningsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "-", value = {
        "api.antrhopic.com, api.anthropic.com",
        "api.anthropic.co, api.anthropic.com",
        "api.openai.con:443, api.openai.com",
        "API.ANTRHOPIC.COM, api.anthropic.com",
        "api.anthropic.com, -",       // the catalog host itself
        "api.example.com, -",
        "*.antrhopic.com, -",         // wildcards are never flagged
        "10.0.0.1, -",
        "not a host, -",
    })
    void hostTypos(String host, String suggestion) {
        assertThat(ServiceWarnings.hostTypo(host).orElse(null)).isEqualTo(suggestion);
    }

    @Test
    void missingCredentialsAndTyposAreSaid() {
        ServiceDefinition d = ServiceDefinition.of("claude", "api.antrhopic.com", new Injection.Bearer("ANTHROPIC_API_KEY"));
        List<String> w = ServiceWarnings.of(d, Set.of(), "default");
        assertThat(w).hasSize(2);
        assertThat(w.get(0)).contains("credential ANTHROPIC_API_KEY, which does not exist in vault 'default'")
                .contains("keyway credential set ANTHROPIC_API_KEY --vault default");
        assertThat(w.get(1)).contains("did you mean api.anthropic.com?").contains("template anthropic");
        ServiceDefinition ok = ServiceDefinition.of("claude", "api.anthropic.com", new Injection.Bearer("ANTHROPIC_API_KEY"));
        assertThat(ServiceWarnings.of(ok, Set.of("ANTHROPIC_API_KEY"), "default")).isEmpty();
    }
}
