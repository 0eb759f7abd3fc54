package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RunPreparationTest {
    @ParameterizedTest(name = "{0} (Keyway at {1}) -> {2}:{3}")
    @CsvSource({"127.0.0.1:9791, 127.0.0.1, 127.0.0.1, 9791", "0.0.0.0:9791, keyway, keyway, 9791", "[::]:9791, keyway, keyway, 9791",
        "[::1]:9791, ::1, ::1, 9791", "proxy.internal:3128, keyway, proxy.internal, 3128", "':9791', keyway, keyway, 9791"})
    void proxyAddressReplacesWildcardBinds(String reported, String keywayHost, String host, String port) {
        assertThat(RunPreparation.proxyAddress(reported, keywayHost)).containsExactly(host, port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "keyway", "keyway:", "keyway:http"})
    void unusableProxyAddressesAreClearErrors(String reported) {
        assertThatThrownBy(() -> RunPreparation.proxyAddress(reported, "k")).isInstanceOf(CliException.class).hasMessageContaining("HOST:PORT");
    }

    @ParameterizedTest
    @ValueSource(strings = {"claude", "a-very-long-program-name-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on"})
    void displayNameNamesProgramAndHostWithinTheLimit(String program) {
        assertThat(RunPreparation.displayName(program)).startsWith("run " + program.substring(0, Math.min(20, program.length()))).hasSizeLessThanOrEqualTo(100);
    }
}
