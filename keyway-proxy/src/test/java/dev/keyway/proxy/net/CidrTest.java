package dev.keyway.proxy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.net.InetAddress;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrTest {

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8,            10.0.0.0/8",
        "' 172.16.0.0/12 ',     172.16.0.0/12",
        "192.168.1.1,           192.168.1.1/32",
        "0.0.0.0/0,             0.0.0.0/0",
        "2001:DB8::/32,         2001:db8::/32",
        "::1,                   ::1/128",
        "::/0,                  ::/0",
        "fd00:ec2:0:0:0:0:0:254/128, fd00:ec2::254/128",
        "::ffff:0:0/96,         ::ffff:0.0.0.0/96",
    })
    void parsesAndPrintsCanonically(String text, String canonical) {
        assertThat(Cidr.parse(text)).hasToString(canonical);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "10.0.0.1/8        | did you mean 10.0.0.0/8?",
                "fe80::1/10        | did you mean fe80::/10?",
                "10.0.0.0/33       | from 0 to 32",
                "::/129            | from 0 to 128",
                "10.0.0.0/         | from 0 to 32",
                "10.0.0.0/-1       | from 0 to 32",
                "10.0.0.0/8/9      | from 0 to 32",
                "10.1/8            | not an IPv4 (a.b.c.d)",
                "010.0.0.0/8       | is not an IPv4",
                "example.com/8     | is not an IPv4",
                "fe80::1%eth0/64   | is not an IPv4",
                "''                | is not an IPv4",
            })
    void rejectsInvalidWithClearMessage(String text, String expected) {
        assertThatThrownBy(() -> Cidr.parse(text))
                .isInstanceOfSatisfying(KeywayException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.VALIDATION);
                    assertThat(e.extras()).containsEntry("field", "allowCidrs");
                })
                .hasMessageStartingWith("invalid CIDR '" + text.strip() + "'")
                .hasMessageContaining(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8,      10.0.0.0,          true",
        "10.0.0.0/8,      10.255.255.255,    true",
        "10.0.0.0/8,      11.0.0.0,          false",
        "10.0.0.0/8,      9.255.255.255,     false",
        "100.64.0.0/10,   100.127.255.255,   true",
        "100.64.0.0/10,   100.128.0.0,       false",
        "0.0.0.0/0,       203.0.113.9,       true",
        "0.0.0.0/0,       ::1,               false",
        "10.0.0.0/8,      ::ffff:10.0.0.1,   false",
        "fc00::/7,        fdff:ffff::1,      true",
        "fc00::/7,        fe00::,            false",
        "fe80::/10,       febf:ffff::1,      true",
        "fe80::/10,       fec0::,            false",
        "::1/128,         ::1,               true",
        "::1/128,         ::2,               false",
        "::/0,            10.0.0.1,          false",
    })
    void containment(String cidr, String address, boolean expected) {
        assertThat(Cidr.parse(cidr).contains(ip(address))).isEqualTo(expected);
    }

    @Test
    void recordRejectsHostBitsAndBadPrefix() {
        assertThatThrownBy(() -> new Cidr(ip("10.0.0.1"), 8)).hasMessageContaining("host bits");
        assertThatThrownBy(() -> new Cidr(ip("10.0.0.0"), 40)).hasMessageContaining("/40");
        assertThat(new Cidr(ip("10.0.0.0"), 8)).isEqualTo(Cidr.parse("10.0.0.0/8"));
    }

    @ParameterizedTest
    @CsvSource({
        "0:0:0:0:0:0:0:1,         ::1",
        "0:0:0:0:0:0:0:0,         ::",
        "fe80:0:0:0:0:0:0:0,      fe80::",
        "2001:db8:0:0:1:0:0:1,    2001:db8::1:0:0:1",
        "2001:0:0:1:0:0:0:1,      2001:0:0:1::1",
        "2001:db8:0:1:1:1:1:1,    2001:db8:0:1:1:1:1:1",
        "64:ff9b:0:0:0:0:7f00:1,  64:ff9b::7f00:1",
        "::ffff:7f00:1,           ::ffff:127.0.0.1",
        "127.0.0.1,               127.0.0.1",
    })
    void formatsRfc5952(String text, String expected) {
        assertThat(IpText.format(ip(text))).isEqualTo(expected);
    }

    static InetAddress ip(String text) {
        return Objects.requireNonNull(IpText.parse(text), text);
    }

    @Test
    void aMissingAddressIsNamedAsEmptyAndLongInputIsEchoedAtMostSixtyCharacters() {
        assertThatThrownBy(() -> Cidr.parse("/8")).hasMessage(
                "invalid CIDR '/8': '' is not an IPv4 (a.b.c.d) or IPv6 address literal");
        String sixty = "x".repeat(60);
        assertThatThrownBy(() -> Cidr.parse(sixty)).hasMessageStartingWith("invalid CIDR '" + sixty + "': ");
        assertThatThrownBy(() -> Cidr.parse(sixty + "y")).hasMessageStartingWith("invalid CIDR '" + sixty + "...': ");
    }
}
