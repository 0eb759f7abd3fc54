package dev.keyway.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyncStateTest {
    static final Instant T = Instant.parse("2026-12-07T00:00:00Z");

    @ParameterizedTest(name = "confirmed {0} ms ago, max lag {1} ms -> {2}")
    @CsvSource({
        "0,      5000, IN_SYNC",
        "4999,   5000, IN_SYNC",
        "5000,   5000, IN_SYNC",
        "5001,   5000, OUT_OF_SYNC",
        "60000,  5000, OUT_OF_SYNC",
        "-1000,  5000, IN_SYNC", // a confirmation stamped after now (clock step) is fresh, not a failure
    })
    void stateFollowsTheLag(long agoMillis, long maxLagMillis, SyncState expected) {
        assertThat(SyncState.of(T.minusMillis(agoMillis), T, Duration.ofMillis(maxLagMillis))).isEqualTo(expected);
    }
}
