package dev.keyway.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The outcome label of every kind of proxy audit event. */
class ProxyOutcomeTest {
    @ParameterizedTest(name = "{0} status={1} injected={2} error={3} mode={4} -> {5}")
    @CsvSource(nullValues = "-", textBlock = """
            request,  200, true,  -,                     -,         INJECTED
            request,  404, true,  -,                     -,         INJECTED
            request,  200, false, -,                     -,         FORWARDED
            request,  502, true,  upstream-unreachable,  -,         ERROR
            request,  503, true,  audit-unavailable,     -,         ERROR
            denied,   403, false, service-rule-denied,   -,         DENIED
            denied,   407, false, proxy-auth-required,   -,         DENIED
            connect,  200, false, -,                     tunnel,    TUNNELLED
            connect,  200, false, -,                     intercept, INTERCEPTED
            connect,  200, false, -,                     deny,      NONE
            connect,  0,   false, forbidden,             tunnel,    NONE
            decision, 0,   true,  -,                     -,         NONE
            other,    200, true,  -,                     -,         NONE
            """)
    void outcomeOfEachEvent(String kind, int status, boolean injected, String errorType, String mode, ProxyOutcome expected) {
        assertThat(ProxyOutcome.of(kind, status, injected, errorType, mode)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", textBlock = """
            -,                    none
            service-rule-denied,  service-rule-denied
            credential-unavailable, credential-unavailable
            attacker.example.com, other
            """)
    void errorTypeLabelIsBoundedToKnownSlugs(String slug, String label) {
        assertThat(MeteredAuditSink.errorType(slug)).isEqualTo(label);
    }
}
