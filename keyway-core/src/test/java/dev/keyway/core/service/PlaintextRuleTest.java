package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlaintextRuleTest {

    @ParameterizedTest(name = "{0} eligible: {1}")
    @CsvSource({
        "127.0.0.1:8080,        true",
        "127.9.9.9,             true",
        "[::1]:8080,            true",
        "10.0.0.5,              true",
        "172.16.0.1,            true",
        "172.31.255.255,        true",
        "172.32.0.1,            false",
        "192.168.1.10:11434,    true",
        "[fd12:3456::1],        true",
        "169.254.169.254,       false",
        "100.64.0.1,            false",
        "8.8.8.8,               false",
        "[2606:4700::1111],     false",
        "localhost:11434,       true",
        "app.localhost,         true",
        "llm-gateway:8080,      true",
        "vault.internal,        true",
        "*.corp.internal,       true",
        "printer.local,         true",
        "nas.lan,               true",
        "api.openai.com,        false",
        "internal.example.com,  false",
        "localhost.example.com, false",
        "*.example.com,         false",
    })
    void eligibleHosts(String host, boolean expected) {
        assertThat(PlaintextRule.eligible(HostPattern.parse(host))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} over {1}, allow_plaintext={2} -> refused: {3}")
    @CsvSource({
        "bearer, https, false, false",
        "bearer, http,  false, true",
        "bearer, HTTP,  false, true",
        "bearer, http,  true,  false",
        "none,   http,  false, false",
        "none,   https, false, false",
    })
    void refusal(String kind, String scheme, boolean allowPlaintext, boolean refused) {
        Injection inj = kind.equals("none") ? new Injection.None() : new Injection.Bearer("KEY");
        ServiceDefinition s = new ServiceDefinition("local", "localhost:8080", List.of(), List.of(), true, true,
                allowPlaintext, null, inj);
        String why = PlaintextRule.refusal(s, scheme);
        if (refused) {
            assertThat(why).contains("service 'local'").contains("allow_plaintext: true").contains("https://");
        } else {
            assertThat(why).isNull();
        }
    }

    @ParameterizedTest(name = "allow_plaintext on {0} rejected")
    @CsvSource({"api.openai.com", "8.8.8.8", "169.254.169.254", "*.example.com"})
    void validatorRefusesPlaintextForPublicHosts(String host) {
        ServiceDefinition s = new ServiceDefinition("svc", host, List.of(), List.of(), true, true, true, null,
                new Injection.Bearer("KEY"));
        assertThatThrownBy(() -> ServiceValidator.validate(s)).isInstanceOf(KeywayException.class)
                .hasMessageContaining("allow_plaintext is only accepted for a private or loopback host")
                .satisfies(e -> assertThat(((KeywayException) e).extras()).containsEntry("field", "allow_plaintext"));
    }

    @ParameterizedTest(name = "allow_plaintext on {0} accepted")
    @CsvSource({"127.0.0.1:8080", "localhost", "llm-gateway:8080", "vault.internal"})
    void validatorAcceptsPlaintextForPrivateHosts(String host) {
        ServiceValidator.validate(new ServiceDefinition("svc", host, List.of(), List.of(), true, true, true, null,
                new Injection.Bearer("KEY")));
    }
}
