package dev.keyway.proxy.spi;

import dev.keyway.core.inject.HttpHead;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestHeadTest {
    @Test
    void toStringNeverPrintsHeaderValuesQueryOrPath() {
        RequestHead h = new RequestHead("https", "api.telegram.org", 443, "POST", "/botSECRET1/send?token=SECRET2",
                List.of(new HttpHead.Header("Authorization", "Bearer SECRET3"), new HttpHead.Header("X-Key", "SECRET4")));
        assertThat(h.toString()).doesNotContain("SECRET").contains("POST").contains("api.telegram.org").contains("443");
        assertThat(h.headers().toString()).doesNotContain("SECRET").contains("Authorization");
        assertThat(h.headers().getFirst().toString()).isEqualTo("Authorization: <14 chars>");
    }
}
