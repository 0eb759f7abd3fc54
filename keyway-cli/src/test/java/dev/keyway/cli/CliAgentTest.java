package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway agent create}: the token's lifetime is what the help says (no expiry unless --ttl or --period). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliAgentTest {
    @TempDir
    static Path dir;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    @Test
    void withoutTtlOrPeriodTheAgentTokenNeverExpires() {
        JsonNode r = kw.cli("agent", "create", "nightly", "--vault", "default", "--json").ok().json();
        assertThat(r.get("expires_at").isNull()).as(r.toString()).isTrue();
        assertThat(kw.cli("agent", "list").ok().out()).contains("nightly");
    }

    @Test
    void ttlAndPeriodStillSetTheExpiry() {
        Instant before = Instant.now();
        JsonNode ttl = kw.cli("agent", "create", "brief", "--vault", "default", "--ttl", "2h", "--json").ok().json();
        assertThat(Instant.parse(ttl.get("expires_at").asString()))
                .isBetween(before.plus(Duration.ofHours(2)).minusSeconds(60), Instant.now().plus(Duration.ofHours(2)));
        JsonNode periodic = kw.cli("agent", "create", "monthly", "--vault", "default", "--period", "768h", "--json").ok().json();
        assertThat(Instant.parse(periodic.get("expires_at").asString()))
                .isBetween(before.plus(Duration.ofHours(768)).minusSeconds(60), Instant.now().plus(Duration.ofHours(768)));
    }
}
