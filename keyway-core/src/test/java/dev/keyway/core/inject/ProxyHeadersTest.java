package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {
    @ParameterizedTest
    @CsvSource({
        "Proxy-Authorization, true",
        "proxy-authorization, true",
        "PROXY-CONNECTION, true",
        "Proxy-Authenticate, true",
        "Proxy-Status, true",
        "Proxy-, true",
        "Proxy, false",
        "proxy_authorization, false",
        "X-Proxy-Authorization, false",
        "Authorization, false",
        "Connection, false",
        "Proxyauthorization, false",
    })
    void table(String name, boolean proxy) {
        assertThat(ProxyHeaders.isProxyHeader(name)).as(name).isEqualTo(proxy);
    }

    @Test
    void theInjectorDropsEveryProxyFieldTheClientSent() {
        HttpHead head = new HttpHead("GET", "/", List.of(new HttpHead.Header("Proxy-Authorization", "Basic a3c6ZA=="),
                new HttpHead.Header("Proxy-Connection", "keep-alive"), new HttpHead.Header("Proxy-Status", "x"),
                new HttpHead.Header("Accept", "*/*")));
        assertThat(Injector.strip(head, java.util.Set.of())).extracting(HttpHead.Header::name).containsExactly("Accept");
    }
}
