package dev.keyway.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FetchPolicyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest(name = "age {0}s, ttl {1}s, max-stale {2}s -> {3}")
    @CsvSource({
            "0, 300, 0, FRESH",
            "224, 300, 0, FRESH",
            "225, 300, 0, REFRESH_DUE",
            "299, 300, 0, REFRESH_DUE",
            "300, 300, 0, EXPIRED",
            "300, 300, 60, STALE",
            "359, 300, 60, STALE",
            "360, 300, 60, EXPIRED",
            "-5, 300, 0, FRESH",
    })
    void freshness(long ageSeconds, long ttl, long maxStale, FetchPolicy.Freshness expected) {
        assertThat(FetchPolicy.freshness(T0, Duration.ofSeconds(ttl), Duration.ofSeconds(maxStale),
                T0.plusSeconds(ageSeconds))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "failures {0}, retry-after {1}s, random {2} -> {3} ms")
    @CsvSource({
            "0, -1, 0.0, 0",
            "1, -1, 0.0, 500",
            "1, -1, 0.999999, 999",
            "2, -1, 0.0, 1000",
            "4, -1, 1.0, 8000",
            "12, -1, 1.0, 300000",
            "40, -1, 1.0, 300000",
            "1, 30, 0.0, 30000",
            "4, 2, 1.0, 8000",
            "1, 9999, 0.0, 300000",
    })
    void backoff(int failures, long retryAfter, double random, long expectedMillis) {
        assertThat(FetchPolicy.backoff(failures, retryAfter < 0 ? null : Duration.ofSeconds(retryAfter), random))
                .isEqualTo(Duration.ofMillis(expectedMillis));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "secret/app#api_key|secret|app|api_key|",
            "kv/team/app/prod#token?version=3|kv|team/app/prod|token|3",
    })
    void vaultRefs(String ref, String mount, String path, String field, Integer version) throws SourceFailure {
        assertThat(VaultRef.parse(ref)).isEqualTo(new VaultRef(mount, path, field, version));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "secret/app", "secret#f", "/app#f", "secret/#f", "secret/app#", "secret/../x#f", "secret//x#f",
            "secret/a b#f", "secret/app#f?version=0", "secret/app#f?version=x", "secret/app#f?v=1", "secret/a%2f#f",
    })
    void badVaultRefs(String ref) {
        assertThatThrownBy(() -> VaultRef.parse(ref)).isInstanceOfSatisfying(SourceFailure.class,
                f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_REF));
    }
}
