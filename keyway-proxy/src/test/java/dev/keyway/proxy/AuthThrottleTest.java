package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failed proxy authentication is bounded: a connection closes after 3 failures, an address that
 * keeps failing gets 429 (valid tokens still pass). Time moves on a test clock. The audit side is
 * {@link AuthAuditTest}.
 */
class AuthThrottleTest {
    static final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture(b -> b.clock(clock)
            .authFailures(new ProxyConfig.AuthFailures(5, Duration.ofSeconds(6), 3, Duration.ofMinutes(1))));

    private static final String WRONG = Raw.basic("wrong-token:" + ProxyFixture.VAULT);

    @BeforeEach
    void freshWindow() throws Exception {
        clock.advance(Duration.ofHours(1)); // buckets refilled
    }

    private static String connect(String auth) {
        return "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n"
                + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n") + "\r\n";
    }

    @Test
    void aKeepAliveConnectionClosesAfterThreeFailures() throws Exception {
        try (Raw raw = new Raw(px.port())) {
            Raw.Response first = raw.send(connect(null)).read();
            assertThat(first.status()).isEqualTo(407);
            assertThat(first.header("Keyway-Error")).isEqualTo("proxy-auth-required");
            assertThat(first.header("Connection")).isNull();
            Raw.Response second = raw.send(connect(WRONG)).read();
            assertThat(second.status()).isEqualTo(407);
            assertThat(second.header("Connection")).isNull();
            Raw.Response third = raw.send(connect(WRONG)).read();
            assertThat(third.status()).isEqualTo(407);
            assertThat(third.header("Keyway-Error")).isEqualTo("proxy-auth-invalid");
            assertThat(third.header("Connection")).isEqualTo("close");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void guessesBeyondTheBurstGet429WhileValidTokensStillPass() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Raw raw = new Raw(px.port())) {
                assertThat(raw.send(connect(WRONG)).read().status()).isEqualTo(407);
            }
        }
        try (Raw raw = new Raw(px.port())) {
            Raw.Response r = raw.send(connect(WRONG)).read();
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.header("Keyway-Error")).isEqualTo("rate-limited");
            assertThat(r.header("Retry-After")).isEqualTo("6");
            assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(raw.closedByPeer()).isTrue();
        }
        try (Raw raw = new Raw(px.port())) {
            Raw.Response ok = raw.send(connect(Raw.basic(ProxyFixture.TOKEN + ":" + ProxyFixture.VAULT))).read();
            assertThat(ok.status()).as("a valid token is never throttled").isEqualTo(200);
        }
        try (Raw raw = new Raw(px.port())) {
            assertThat(raw.send(connect(null)).read().status()).as("a missing header is not a guess").isEqualTo(407);
        }
        clock.advance(Duration.ofSeconds(6));
        try (Raw raw = new Raw(px.port())) {
            assertThat(raw.send(connect(WRONG)).read().status()).as("one attempt refilled").isEqualTo(407);
        }
    }
}
