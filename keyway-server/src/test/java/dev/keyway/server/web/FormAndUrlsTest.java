package dev.keyway.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.http.ApiRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FormAndUrlsTest {
    @Test
    void formsDecodeExactlyAndKeepSemicolons() {
        Form f = Form.parse("value=a%3Bb%26c%3D+d;e&methods=GET&methods=POST&empty=&flag&csrf=x");
        assertThat(f.get("value")).isEqualTo("a;b&c= d;e");
        assertThat(f.all("methods")).containsExactly("GET", "POST");
        assertThat(f.get("empty")).isEmpty();
        assertThat(f.opt("empty")).isNull();
        assertThat(f.has("flag")).isTrue();
        assertThat(f.get("missing")).isEmpty();
        assertThat(f.toString()).doesNotContain("a;b");
    }

    @Test
    void malformedFormsAndOtherContentTypesAreRefused() {
        assertThatThrownBy(() -> Form.parse("a=%zz")).isInstanceOf(KeywayException.class)
                .satisfies(e -> assertThat(((KeywayException) e).type()).isEqualTo(ErrorType.BAD_REQUEST));
        ApiRequest json = new ApiRequest("POST", "/vaults", Map.of(), Map.of(), Map.of("content-type", "application/json"),
                "{}".getBytes(StandardCharsets.UTF_8), new InetSocketAddress("127.0.0.1", 1), "r");
        assertThatThrownBy(() -> Form.of(json)).isInstanceOf(KeywayException.class)
                .satisfies(e -> assertThat(((KeywayException) e).type()).isEqualTo(ErrorType.UNSUPPORTED_MEDIA_TYPE));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "/vaults                 | /vaults",
        "/proposals/prp_1?x=1    | /proposals/prp_1?x=1",
        "NULL                    | /",
        "https://evil.example    | /",
        "//evil.example/x        | /",
        "/\\evil.example         | /",
        "javascript:alert(1)     | /",
        "vaults                  | /",
    })
    void onlyLocalPathsAreFollowedAfterSignIn(String next, String expected) {
        assertThat(Urls.safeNext(next == null ? null : next.strip())).isEqualTo(expected.strip());
    }

    @Test
    void pathSegmentsAreEncoded() {
        assertThat(Urls.path("vaults", "a/b", "x y", "..")).isEqualTo("/vaults/a%2Fb/x%20y/%2E%2E");
        assertThat(Urls.withQuery("/traffic", "host", "a&b=c")).isEqualTo("/traffic?host=a%26b%3Dc");
        assertThat(Urls.withQuery("/traffic", "host", null)).isEqualTo("/traffic");
        assertThat(List.of(Urls.path())).containsExactly("/");
    }
}
