package dev.keyway.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionDurationTest {

    @ParameterizedTest(name = "{0} = {1}s")
    @CsvSource(textBlock = """
            15m,    900
            900,    900
            900s,   900
            1h,     3600
            1H,     3600
            90m,    5400
            1h30m,  5400
            PT2H,   7200
            12h,    43200
            43200,  43200
            11h59m59s, 43199
            """)
    void acceptsTheRangeInclusive(String text, long seconds) {
        assertThat(SessionDuration.parse(text)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            0          | the session duration 0s is outside the allowed range 15m to 12h (900 to 43200 seconds)
            0s         | 0s is outside the allowed range 15m to 12h
            899        | 14m59s is outside the allowed range 15m to 12h
            14m59s     | 14m59s is outside the allowed range
            12h1s      | 12h1s is outside the allowed range 15m to 12h
            43201      | 12h1s is outside the allowed range
            13h        | 13h is outside the allowed range
            -1h        | the session duration '-1h' is negative; allowed: 15m to 12h
            -900       | is negative; allowed: 15m to 12h
            PT-1H      | the session duration is negative; allowed: 15m to 12h
            abc        | cannot parse the session duration 'abc'; use e.g. 1h, 90m or 3600 (allowed: 15m to 12h
            1d         | cannot parse the session duration '1d'
            1.5h       | cannot parse the session duration '1.5h'
            1h 30m     | cannot parse
            PTxH       | cannot parse the session duration 'PTxH'
            ""         | the session duration is empty; use e.g. 1h (allowed: 15m to 12h
            """)
    void rejectsWithTheAllowedRange(String text, String message) {
        assertThatThrownBy(() -> SessionDuration.parse(text)).isInstanceOfSatisfying(KeywayException.class,
                e -> assertThat(e.extras()).containsEntry("field", "session_duration")).hasMessageContaining(message);
    }
}
