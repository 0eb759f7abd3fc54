package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.proxy.spi.ProxyAuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client guessing proxy tokens in a loop costs a bounded number of audit records: per address,
 * error type and window, the first failure is recorded and the rest become one summary record with
 * their count (the attack run grew the audit log 43 MB in 10 s with one record per guess).
 */
class AuthAuditTest {
    static final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture(b -> b.clock(clock)
            .authFailures(new ProxyConfig.AuthFailures(5, Duration.ofSeconds(6), 3, Duration.ofMinutes(1))));

    private static final String CONNECT = "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\nProxy-Authorization: "
            + Raw.basic("wrong-token:" + ProxyFixture.VAULT) + "\r\n\r\n";

    @Test
    void repeatedFailuresAreAuditedOncePerWindowWithACount() throws Exception {
        int attempts = 0;
        for (int c = 0; c < 20; c++) {
            try (Raw raw = new Raw(px.port())) {
                for (int i = 0; i < 3; i++) {
                    Raw.Response r = raw.send(CONNECT).read();
                    attempts++;
                    if (r.status() == 429) {
                        break;
                    }
                }
            }
        }
        List<ProxyAuditEvent> during = List.copyOf(px.events("denied"));
        assertThat(during).as("one record per error type while the window runs").hasSize(2);
        assertThat(during).extracting(ProxyAuditEvent::errorType)
                .containsExactlyInAnyOrder("proxy-auth-invalid", "rate-limited");
        clock.advance(Duration.ofMinutes(1));
        ProxyFixture.eventually(() -> px.events("denied").size() == 4);
        List<ProxyAuditEvent> all = px.events("denied");
        assertThat(all.stream().mapToLong(ProxyAuditEvent::count).sum()).isEqualTo(attempts);
        assertThat(all.subList(2, 4)).allSatisfy(e -> {
            assertThat(e.count()).isGreaterThan(1);
            assertThat(e.client()).isEqualTo("127.0.0.1");
        });
        assertThat(all.toString()).doesNotContain("wrong-token");
    }

    @Test
    void theReasonAndTokenIdSurviveAggregation() throws Exception {
        String expired = "CONNECT api.test:443 HTTP/1.1\r\nProxy-Authorization: "
                + Raw.basic(ProxyFixture.EXPIRED_TOKEN + ":" + ProxyFixture.VAULT) + "\r\n\r\n";
        int unknown = 0;
        int old = 0;
        // alternate two reasons from one address, within the throttle's burst (5): 2 + 2 failures
        for (int c = 0; c < 2; c++) {
            try (Raw raw = new Raw(px.port())) {
                Raw.Response r = raw.send(CONNECT).read();
                assertThat(r.status()).isEqualTo(407);
                unknown++;
                r = raw.send(expired).read();
                assertThat(r.status()).isEqualTo(407);
                old++;
            }
        }
        List<ProxyAuditEvent> during = List.copyOf(px.events("denied"));
        assertThat(during).as("one record per reason while the window runs").hasSize(2);
        assertThat(during).extracting(ProxyAuditEvent::reason).containsExactlyInAnyOrder("unknown-token", "expired");
        assertThat(during).filteredOn(e -> "expired".equals(e.reason())).singleElement()
                .satisfies(e -> assertThat(e.tokenId()).isEqualTo(ProxyFixture.EXPIRED_TOKEN_ID));
        clock.advance(Duration.ofMinutes(1));
        ProxyFixture.eventually(() -> px.events("denied").size() == 4);
        List<ProxyAuditEvent> summaries = px.events("denied").subList(2, 4);
        long unknownSummary = unknown - 1;
        long oldSummary = old - 1;
        assertThat(summaries).filteredOn(e -> "expired".equals(e.reason())).singleElement().satisfies(e -> {
            assertThat(e.tokenId()).isEqualTo(ProxyFixture.EXPIRED_TOKEN_ID);
            assertThat(e.count()).isEqualTo(oldSummary);
        });
        assertThat(summaries).filteredOn(e -> "unknown-token".equals(e.reason())).singleElement().satisfies(e -> {
            assertThat(e.tokenId()).isNull();
            assertThat(e.count()).isEqualTo(unknownSummary);
        });
        assertThat(px.events.toString()).doesNotContain("wrong-token").doesNotContain(ProxyFixture.EXPIRED_TOKEN + ":");
    }
}
