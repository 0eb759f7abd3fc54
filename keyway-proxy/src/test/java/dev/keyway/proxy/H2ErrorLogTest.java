package dev.keyway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Malformed HTTP/2 from clients must not flood the log: the attack run's 50 bad connections wrote
 * 2,026 lines (a WARN with a full stack trace each). Now: at most one line per connection, without
 * a stack trace, rate-limited across connections.
 */
class H2ErrorLogTest {
    @RegisterExtension
    static final ProxyFixture px = new ProxyFixture();

    @Test
    void malformedHttp2ConnectionsLogOneShortLineAtMost() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            for (int i = 0; i < 20; i++) {
                try (Raw raw = new Raw(px.port())) {
                    Raw.Response r = raw.send("CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\nProxy-Authorization: "
                            + Raw.basic(ProxyFixture.TOKEN + ":" + ProxyFixture.VAULT) + "\r\n\r\n").read();
                    assertThat(r.status()).isEqualTo(200);
                    raw.tls(px.clientTrust.sslContext(), "api.test", true, "h2");
                    assertThat(raw.sslSocket().getApplicationProtocol()).isEqualTo("h2");
                    raw.send("THIS IS NOT AN HTTP/2 PREFACE\r\n\r\n" + "x".repeat(100));
                    assertThat(raw.drainUntilClosed()).as("the proxy closes the connection").isTrue();
                }
            }
        } finally {
            root.detachAppender(logged);
        }
        List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
        assertThat(warnings).as(warnings.toString()).hasSizeLessThanOrEqualTo(2);
        assertThat(warnings).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    }
}
