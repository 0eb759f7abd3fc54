package dev.keyway.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target for CONNECT / absolute-URL / Host authority parsing, which fixes where a tunnel and
 * its credential go. Whatever the text: the result is null (400) or a normalised host that is a
 * registered name made only of {@code [a-z0-9._-]} or a valid IPv6 literal, with a port in 1..65535;
 * its Host-header form parses back to the same authority; and a Host header matches it only when it
 * names the same host and port.
 */
class AuthorityFuzzTest {

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        int defaultPort = in.intIn(0, 1) == 0 ? 443 : 80;
        String value = in.latin1(400);
        String hostHeader = in.latin1(400);
        Authority a = Authority.parse(value, defaultPort);
        if (a == null) {
            return;
        }
        assertThat(a.port()).isBetween(1, 65535);
        assertThat(a.host()).isNotEmpty().isLowerCase();
        if (a.host().indexOf(':') >= 0) {
            assertThat(InetAddress.ofLiteral(a.host())).as(value).isInstanceOf(Inet6Address.class);
        } else {
            assertThat(a.host()).matches("[a-z0-9._-]+");
        }
        assertThat(Authority.parse(a.hostHeader(defaultPort), defaultPort)).isEqualTo(a);
        if (a.matchesHostHeader(hostHeader, defaultPort)) {
            assertThat(Authority.parse(hostHeader, defaultPort)).isEqualTo(a);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, AuthorityFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(AuthorityFuzzTest.class);
    }
}
