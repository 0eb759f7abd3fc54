package dev.keyway.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CertificateHostTest {

    @ParameterizedTest
    @CsvSource({
        "example.com,            Dns, example.com",
        "API.Example.COM.,       Dns, api.example.com",
        "' padded.example ',     Dns, padded.example",
        "bücher.example,         Dns, xn--bcher-kva.example",
        "_dmarc.example.com,     Dns, _dmarc.example.com",
        "localhost,              Dns, localhost",
        "a-b.c-d.example,        Dns, a-b.c-d.example",
        "127.0.0.1,              Ip,  127.0.0.1",
        "10.0.0.1.,              Ip,  10.0.0.1",
        "[::1],                  Ip,  0:0:0:0:0:0:0:1",
        "::1,                    Ip,  0:0:0:0:0:0:0:1",
        "[2001:DB8::1],          Ip,  2001:db8:0:0:0:0:0:1",
        "[::ffff:1.2.3.4],       Ip,  1.2.3.4",
    })
    void normalizes(String input, String kind, String key) {
        CertificateHost host = CertificateHost.parse(input);
        assertThat(host.getClass().getSimpleName()).isEqualTo(kind);
        assertThat(host.key()).isEqualTo(key);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", ".", "bad host", "a..b", "-lead.example", "trail-.example", "*.example.com", "example.com/path",
        "user@example.com", "10.1", "1234", "010.0.0.1", "256.1.1.1", "[not-ip]", ":::", "example.com:443",
    })
    void rejects(String input) {
        assertThatThrownBy(() -> CertificateHost.parse(input))
                .isInstanceOf(KeywayException.class)
                .hasMessageEndingWith("is not a valid host name or IP address");
    }

    @ParameterizedTest
    @ValueSource(ints = {63, 64})
    void labelLengthLimit(int length) {
        String label = "a".repeat(length);
        if (length <= 63) {
            assertThat(CertificateHost.parse(label + ".example").key()).startsWith(label);
        } else {
            assertThatThrownBy(() -> CertificateHost.parse(label + ".example")).isInstanceOf(KeywayException.class);
        }
    }
}
