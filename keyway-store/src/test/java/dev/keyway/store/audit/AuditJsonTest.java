package dev.keyway.store.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class AuditJsonTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static Stream<String> values() {
        return Stream.of("", "plain", "/v1/chat/completions", "quote\"back\\slash", "tab\tnl\ncr\rbs\bff\f",
                "ctl\u0001\u001f\u007f", "é ü ñ", "€ 中文", "emoji \uD83D\uDE00 end", "x".repeat(2000), "é".repeat(700),
                "a".repeat(760) + "中文\"\\" + "€".repeat(300));
    }

    @ParameterizedTest
    @MethodSource("values")
    void stringsMatchJackson(String value) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", value);
        m.put("n", -42L);
        m.put("b", true);
        m.put("l", List.of(value, "k"));
        byte[] ours = new AuditJson().put("s", value).put("n", -42L).put("b", true).put("l", List.of(value, "k")).toBytes();
        assertThat(JSON.readTree(ours)).isEqualTo(JSON.readTree(JSON.writeValueAsBytes(m)));
    }

    @Test
    void nullStringsAreLeftOutAndEmptyObjectIsValid() {
        assertThat(new String(new AuditJson().put("a", (String) null).toBytes(), StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(new String(new AuditJson().put("a", "x").put("b", (String) null).put("c", 1).toBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":\"x\",\"c\":1}");
    }

    @Test
    void loneSurrogateBecomesReplacementCharacter() throws Exception {
        byte[] out = new AuditJson().put("s", "a\uD800b").toBytes();
        assertThat(JSON.readTree(out).get("s").asString()).isEqualTo("a\uFFFDb");
    }

    @ParameterizedTest
    @ValueSource(strings = {"seq", "ts"})
    void refusesTheLogsOwnFields(String name) {
        assertThatThrownBy(() -> new AuditJson().put(name, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
