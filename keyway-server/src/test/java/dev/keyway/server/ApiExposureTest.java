package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiExposureTest {
    @ParameterizedTest(name = "{0} -> loopback only: {1}")
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1 | true",
        "127.0.0.2 | true",
        "localhost | true",
        "::1 | true",
        "[::1] | true",
        "0.0.0.0 | false",
        ":: | false",
        "[::] | false",
        "'' | false",
        "192.168.1.20 | false",
        "10.0.0.1 | false",
        "8.8.8.8 | false",
        "fe80::1 | false",
    })
    void loopbackOnly(String host, boolean expected) {
        assertThat(ApiExposure.loopbackOnly(host)).isEqualTo(expected);
        if (expected) {
            assertThat(ApiExposure.warning(host, 9790)).isNull();
        } else {
            assertThat(ApiExposure.warning(host, 9790)).startsWith("WARNING").contains(host + ":9790")
                    .contains("reachable from the network").contains("plain HTTP").contains("127.0.0.1");
        }
    }
}
