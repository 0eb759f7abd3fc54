package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Host patterns, as tables: what a pattern parses to (its canonical text, or the error it gets)
 * and which normalised hosts and ports it matches.
 */
class HostPatternTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # pattern                | canonical text
            api.example.com          | api.example.com
            API.Example.COM.         | api.example.com
            *.example.com            | *.example.com
            *.example.com:8443       | *.example.com:8443
            api.example.com:1        | api.example.com:1
            api.example.com:65535    | api.example.com:65535
            api.example.com:1090     | api.example.com:1090
            10.0.0.1                 | 10.0.0.1
            10.0.0.1:80              | 10.0.0.1:80
            ::1                      | [0:0:0:0:0:0:0:1]
            [::1]:8080               | [0:0:0:0:0:0:0:1]:8080
            bücher.example.org       | xn--bcher-kva.example.org
            aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com
            bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb | bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
            """)
    void parsesToCanonicalText(String pattern, String canonical) {
        HostPattern p = HostPattern.parse(pattern);

        assertThat(p.toString()).isEqualTo(canonical);
        assertThat(HostPattern.parse(p.toString())).isEqualTo(p);
        assertThat(p.isIpLiteral()).isEqualTo(Character.isDigit(canonical.charAt(0)) || canonical.startsWith("["));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # pattern                | error message contains
            'api example.com'        | space or control character
            api.example.com:0        | must be from 1 to 65535
            api.example.com:65536    | must be from 1 to 65535
            api.example.com:123456   | must be a number from 1 to 65535
            1.2.3                    | write IPv4 as a dotted quad
            1a.2.3.4                 | write IPv4 as a dotted quad
            1.2.3.04                 | write IPv4 as a dotted quad
            256.1.1.1                | write IPv4 as a dotted quad
            *.10.0.0.1               | a wildcard cannot be combined with an IP address
            a\u0080b.com             | not a valid internationalised host name
            aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com | a label longer than 63 characters
            bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb | longer than 253 characters
            """)
    void refusesWithAPreciseMessage(String pattern, String message) {
        assertThatThrownBy(() -> HostPattern.parse(pattern))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0} matches {1}:{2} = {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # pattern               | normalised host    | port | matches
            api.example.com         | api.example.com    | 443  | true
            api.example.com         | api.example.com    | 8443 | true
            api.example.com         | xapi.example.com   | 443  | false
            api.example.com:8443    | api.example.com    | 8443 | true
            api.example.com:8443    | api.example.com    | 443  | false
            *.example.com           | a.example.com      | 443  | true
            *.example.com           | abc.example.com    | 80   | true
            *.example.com           | example.com        | 443  | false
            *.example.com           | a.b.example.com    | 443  | false
            *.example.com           | abexample.com      | 443  | false
            *.example.com           | a.example.org      | 443  | false
            *.example.com           | .example.com       | 443  | false
            *.example.com           | .a.example.com     | 443  | false
            *.example.com:9443      | a.example.com      | 9443 | true
            *.example.com:9443      | a.example.com      | 443  | false
            10.0.0.1                | 10.0.0.1           | 443  | true
            10.0.0.1                | 10.0.0.2           | 443  | false
            """)
    void matchesOnlyWhatItNames(String pattern, String host, int port, boolean expected) {
        assertThat(HostPattern.parse(pattern).matches(host, port)).isEqualTo(expected);
    }
}
