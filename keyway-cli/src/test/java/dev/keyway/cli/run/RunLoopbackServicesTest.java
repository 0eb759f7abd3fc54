package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which bound hosts Go and Ruby would reach around the proxy, and the warning that names them. */
class RunLoopbackServicesTest {
    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({
        "localhost:11434, true", "LOCALHOST, true", "ollama.localhost:80, true", "127.0.0.1:8080, true", "127.9.8.7, true",
        "[::1]:8080, true", "api.openai.com, false", "*.example.com, false", "localhost.example.com, false",
        "10.0.0.5:8080, false", "128.0.0.1, false", "[2001:db8::1]:443, false", "mylocalhost, false",
    })
    void loopback(String host, boolean expected) {
        assertThat(LoopbackServices.isLoopback(new ServiceInfo("s", host, List.of()).hostName())).isEqualTo(expected);
    }

    @Test
    void warningNamesEveryLoopbackServiceAndTheClientsThatBypassIt() {
        assertThat(LoopbackServices.warning(List.of(new ServiceInfo("openai", "api.openai.com", List.of())))).isEmpty();
        assertThat(LoopbackServices.warning(List.of(new ServiceInfo("ollama", "localhost:11434", List.of()),
                new ServiceInfo("openai", "api.openai.com", List.of()), new ServiceInfo("gw", "127.0.0.1:4000", List.of()))))
                .hasValueSatisfying(w -> assertThat(w).contains("ollama (localhost:11434), gw (127.0.0.1:4000) are on a loopback host")
                        .contains("Go (net/http)").contains("Ruby (Net::HTTP)").doesNotContain("openai"));
    }
}
