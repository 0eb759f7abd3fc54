package dev.keyway.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrorTypeTest {
    @Test
    void slugsAreUniqueAndRoundTrip() {
        Set<String> seen = new HashSet<>();
        for (ErrorType t : ErrorType.values()) {
            assertThat(seen.add(t.slug())).as("duplicate slug %s", t.slug()).isTrue();
            assertThat(ErrorType.fromSlug(t.slug())).isEqualTo(t);
            assertThat(t.uri().toString()).isEqualTo("https://keyway.dev/errors/" + t.slug());
            assertThat(t.slug()).matches("[a-z][a-z0-9-]*");
        }
    }
}
