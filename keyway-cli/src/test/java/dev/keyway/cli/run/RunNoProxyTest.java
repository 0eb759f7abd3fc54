package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunNoProxyTest {
    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
        "localhost, localhost:11434, true",
        "localhost, localhost, true",
        "127.0.0.1, localhost:11434, false",
        "example.com, api.example.com, true",
        ".example.com, api.example.com, true",
        "*.example.com, api.example.com, true",
        "example.com, example.com:443, true",
        "example.com, notexample.com, false",
        "api.example.com, example.com, false",
        "a.example.com, *.example.com, true",
        "example.com, *.example.com, true",
        "other.com, *.example.com, false",
        "*, api.openai.com, true",
        "::1, [::1]:8080, true",
        "'', localhost, false",
    })
    void coversFollowsCurlRules(String entry, String service, boolean expected) {
        assertThat(NoProxy.covers(entry, service)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no services                  | 127.0.0.1 |                  |                          | localhost,127.0.0.1,::1",
        "local gateway bound          | 127.0.0.1 |                  | localhost:11434          | 127.0.0.1,::1",
        "keyway host added            | keyway    | internal.corp    | api.openai.com           | localhost,127.0.0.1,::1,keyway,internal.corp",
        "addition covering a service  | keyway    | openai.com,x.org | api.openai.com           | localhost,127.0.0.1,::1,keyway,x.org",
        "duplicates and case          | LOCALHOST | Localhost,[::1]  |                          | localhost,127.0.0.1,::1",
        "star never survives a service| keyway    | *                | api.openai.com           | localhost,127.0.0.1,::1,keyway",
        "keyway host bound            | 127.0.0.1 |                  | 127.0.0.1:8080           | localhost,::1",
    })
    void entries(String name, String keywayHost, String extra, String services, String expected) {
        List<String> ex = extra == null ? List.of() : List.of(extra.split(","));
        List<String> sv = services == null ? List.of() : List.of(services.split(","));
        assertThat(String.join(",", NoProxy.entries(keywayHost, ex, sv))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "localhost,127.0.0.1,::1 ; localhost|127.0.0.1|[::1]",
        "keyway,example.com      ; keyway|*.keyway|example.com|*.example.com",
        "*                       ; *",
        "10.0.0.0/8              ; 10.0.0.0/8",
    })
    void javaNonProxyHosts(String entries, String expected) {
        assertThat(NoProxy.javaNonProxyHosts(List.of(entries.split(",")))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"api.example.com, api.example.com", "LOCALHOST:11434, localhost", "[::1]:80, ::1", "::1, ::1", "*.example.com, example.com"})
    void hostOnly(String in, String expected) {
        assertThat(NoProxy.hostOnly(in)).isEqualTo(expected);
    }
}
