package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request-head value type: path/query split, and no secret in any {@code toString()}. */
class HttpHeadTest {

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", delimiter = '|', textBlock = """
            /v1/models          | /v1/models | NULL
            /v1/models?a=b      | /v1/models | a=b
            /v1/models?         | /v1/models | ''
            /v1?a=b?c=d         | /v1        | a=b?c=d
            ?key=v              | ''         | key=v
            ''                  | ''         | NULL
            """)
    void pathAndQuerySplitAtTheFirstQuestionMark(String pathAndQuery, String path, @Nullable String query) {
        HttpHead head = new HttpHead("GET", pathAndQuery, List.of());

        assertThat(head.path()).isEqualTo(path);
        assertThat(head.query()).isEqualTo(query);
    }

    @Test
    void headerToStringNamesTheHeaderButNeverPrintsTheValue() {
        HttpHead.Header h = new HttpHead.Header("Authorization", "Bearer sk-live-123");

        assertThat(h.toString()).isEqualTo("Authorization: <18 chars>").doesNotContain("sk-live");
        assertThat(new HttpHead("GET", "/", List.of(h)).toString()).doesNotContain("sk-live");
    }

    @Test
    void substitutionRulesNeverPrintTheValueOrThePlaceholder() {
        byte[] secret = "sk-live-123".getBytes(StandardCharsets.UTF_8);
        BodySubstitution.Rule bodyRule = new BodySubstitution.Rule("__KEY__".getBytes(StandardCharsets.UTF_8), secret);
        TextSubstitution.Rule textRule = new TextSubstitution.Rule("__KEY__", "sk-live-123");

        assertThat(bodyRule.toString()).isEqualTo("Rule[placeholder 7 bytes, value 11 bytes]");
        assertThat(textRule.toString()).isEqualTo("Rule[placeholder 7 chars, value 11 chars]");
        assertThat(new BodySubstitution(List.of(bodyRule)).toString()).isEqualTo("BodySubstitution[1 placeholders]");
        assertThat(new TextSubstitution(List.of(textRule)).toString()).isEqualTo("TextSubstitution[1 placeholders]");
    }
}
