package dev.keyway.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HtmlTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "plain                         | plain",
        "<script>alert(1)</script>     | &lt;script&gt;alert(1)&lt;/script&gt;",
        "a & b                         | a &amp; b",
        "~\" onmouseover=x \"~         | &quot; onmouseover=x &quot;",
        "it's                          | it&#39;s",
        "`tick`                        | &#96;tick&#96;",
        "&lt;already&gt;               | &amp;lt;already&amp;gt;",
        "é ✓ 漢字                      | é ✓ 漢字",
    })
    void everyInterpolatedValueIsEscapedForTextAndAttributes(String input, String expected) {
        assertThat(Html.t("<p title=\"{}\">{}</p>", input.strip(), input.strip()).toString())
                .isEqualTo("<p title=\"" + expected.strip() + "\">" + expected.strip() + "</p>");
    }

    @Test
    void nullBecomesNothingAndNumbersAreText() {
        assertThat(Html.t("[{}][{}]", null, 42).toString()).isEqualTo("[][42]");
    }

    @Test
    void onlyHtmlFragmentsAreInsertedAsMarkup() {
        Html inner = Html.t("<b>{}</b>", "<i>");
        assertThat(Html.t("<p>{}</p>", inner).toString()).isEqualTo("<p><b>&lt;i&gt;</b></p>");
        assertThat(Html.t("<p>{}</p>", inner.toString()).toString()).isEqualTo("<p>&lt;b&gt;&amp;lt;i&amp;gt;&lt;/b&gt;</p>");
    }

    @Test
    void placeholdersInValuesAreNotExpandedAgain() {
        assertThat(Html.t("{}-{}", "{}", "x").toString()).isEqualTo("{}-x");
    }

    @Test
    void argumentCountMustMatchThePlaceholders() {
        assertThatThrownBy(() -> Html.t("<p>{}</p>")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Html.t("<p></p>", "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachJoinWhenAndFlags() {
        assertThat(Html.each(List.of("<a>", "b"), s -> Html.t("<li>{}</li>", s)).toString()).isEqualTo("<li>&lt;a&gt;</li><li>b</li>");
        assertThat(Html.when(false, () -> Html.t("x")).toString()).isEmpty();
        assertThat(Html.flag(true, "checked").toString()).isEqualTo(" checked");
        assertThat(Html.flag(false, "checked").toString()).isEmpty();
        assertThatThrownBy(() -> Html.flag(true, "x onload=alert(1)")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fieldsNeverRenderASecretsValue() {
        Fields.Errors e = Fields.Errors.of("value", "credential value is empty");
        String html = Fields.secret("Value", "value", e, null, true).toString();
        assertThat(html).contains("type=\"password\"").contains("autocomplete=\"off\"").doesNotContain("value=")
                .contains("credential value is empty");
    }
}
