package dev.keyway.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsrfTest {
    static final String SESSION = "kw_ses_3NqJxPZ1v8b1Wm0eYb8cKXh4Q0pTtQkq7m3y9s2a1bc";

    @Test
    void theTokenOfASessionIsValidForItOnly() {
        String t = Csrf.tokenFor(SESSION);
        assertThat(Csrf.valid(SESSION, t)).isTrue();
        assertThat(Csrf.valid(SESSION + "x", t)).isFalse();
        assertThat(Csrf.tokenFor(SESSION)).isEqualTo(t);
    }

    @Test
    void theTokenDoesNotRevealTheSession() {
        String t = Csrf.tokenFor(SESSION);
        assertThat(t).doesNotContain(SESSION.substring(7, 20)).matches("[A-Za-z0-9_-]{43}");
    }

    @Test
    void missingEmptyOrTamperedTokensAreRejected() {
        String t = Csrf.tokenFor(SESSION);
        assertThat(Csrf.valid(SESSION, null)).isFalse();
        assertThat(Csrf.valid(SESSION, "")).isFalse();
        assertThat(Csrf.valid(null, t)).isFalse();
        assertThat(Csrf.valid("", t)).isFalse();
        assertThat(Csrf.valid(SESSION, t.substring(1))).isFalse();
        assertThat(Csrf.valid(SESSION, (t.charAt(0) == 'A' ? 'B' : 'A') + t.substring(1))).isFalse();
        assertThat(Csrf.valid(SESSION, t + "=")).isFalse();
    }
}
