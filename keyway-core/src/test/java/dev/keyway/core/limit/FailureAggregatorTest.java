package dev.keyway.core.limit;

import static dev.keyway.core.limit.FailureAggregator.Outcome.COUNTED;
import static dev.keyway.core.limit.FailureAggregator.Outcome.RECORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureAggregatorTest {
    private final MutableClock clock = new MutableClock();
    private final FailureAggregator<String> agg = new FailureAggregator<>(clock, Duration.ofMinutes(1), 3);

    @Test
    void firstOfAWindowIsRecordedTheRestSummarisedOnce() {
        assertThat(agg.failure("a")).isEqualTo(RECORD);
        for (int i = 0; i < 1000; i++) {
            assertThat(agg.failure("a")).isEqualTo(COUNTED);
        }
        assertThat(agg.failure("b")).as("keys are separate").isEqualTo(RECORD);
        assertThat(agg.drainEnded()).as("the window has not ended").isEmpty();
        clock.advance(Duration.ofSeconds(59));
        assertThat(agg.failure("a")).isEqualTo(COUNTED);
        clock.advance(Duration.ofSeconds(1));
        List<FailureAggregator.Summary<String>> ended = agg.drainEnded();
        assertThat(ended).hasSize(1); // b had nothing counted: no summary
        assertThat(ended.getFirst().key()).isEqualTo("a");
        assertThat(ended.getFirst().count()).isEqualTo(1001);
        assertThat(agg.drainEnded()).isEmpty();
        assertThat(agg.openWindows()).isZero();
    }

    @Test
    void aFailureAfterTheWindowStartsANewOneAndQueuesTheOldSummary() {
        agg.failure("a");
        agg.failure("a");
        clock.advance(Duration.ofMinutes(2));
        assertThat(agg.failure("a")).isEqualTo(RECORD);
        assertThat(agg.drainEnded()).singleElement().extracting(FailureAggregator.Summary::count).isEqualTo(1L);
        agg.failure("a");
        assertThat(agg.drainAll()).singleElement().extracting(FailureAggregator.Summary::count).isEqualTo(1L);
    }

    @Test
    void boundedKeysFallBackToRecordingEach() {
        agg.failure("a");
        agg.failure("b");
        agg.failure("c");
        assertThat(agg.failure("d")).isEqualTo(RECORD);
        assertThat(agg.failure("d")).as("not tracked: recorded").isEqualTo(RECORD);
        assertThat(agg.openWindows()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(1));
        assertThat(agg.failure("d")).isEqualTo(RECORD);
        assertThat(agg.failure("d")).as("room again once old windows ended").isEqualTo(COUNTED);
    }
}
