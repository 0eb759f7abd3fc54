package dev.keyway.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link InstantMillis} agrees with {@link Instant#parse} on every value, in any order. */
class InstantMillisTest {
    @ParameterizedTest
    @ValueSource(strings = {"2026-12-07T10:00:00Z", "2026-12-07T10:00:00.1Z", "2026-12-07T10:00:00.12Z",
        "2026-12-07T10:00:00.123Z", "2026-12-07T10:00:00.123456Z", "2026-12-07T10:00:00.123456789Z",
        "1969-12-31T23:59:59.999Z", "2026-12-07T10:00:00+01:00", "2026-12-07T10:00:00.5+01:00",
        "2026-12-07T10:00:00.Z", "2026-12-07T10:00:00.1234567890Z", "2026-12-07T10:00:00.12a4Z",
        "2026-12-07 10:00:00.123Z", "2026-13-07T10:00:00.123Z", "2026-02-30T10:00:00Z", "yesterday", "", "Z",
        "+12026-12-07T10:00:00.123Z"})
    void agreesWithInstantParse(String ts) {
        assertThat(new InstantMillis().of(ts)).isEqualTo(expected(ts));
    }

    @Test
    void aSequenceSharingSecondsAgreesWithInstantParse() {
        InstantMillis m = new InstantMillis();
        SplittableRandom r = new SplittableRandom(7);
        Instant t = Instant.parse("2026-12-07T10:00:00Z");
        for (int i = 0; i < 5_000; i++) {
            t = t.plusNanos(r.nextLong(0, 400_000_000));
            String ts = r.nextInt(10) == 0 ? t.toString().replace("Z", "+00:00") : t.toString();
            assertThat(m.of(ts)).as(ts).isEqualTo(expected(ts));
        }
        for (String ts : List.of("2026-12-07T10:00:00.5Z", "bad", "2026-12-07T10:00:00.5Z", "2026-12-07T10:00:01Z")) {
            assertThat(m.of(ts)).as(ts).isEqualTo(expected(ts));
        }
        assertThat(m.of(null)).isZero();
    }

    private static long expected(String ts) {
        try {
            return Instant.parse(ts).toEpochMilli();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }
}
