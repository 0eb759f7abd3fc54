package dev.keyway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediaTypesTest {
    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(nullValues = "NULL", delimiter = '|', value = {
        "application/json | true",
        "APPLICATION/JSON | true",
        "application/json; charset=utf-8 | true",
        "application/json;charset=UTF8 | true",
        "application/json; charset=\"utf-8\" | true",
        "application/json; version=2 | true",
        "application/json; | true",
        "application/problem+json | true",
        "application/merge-patch+json | true",
        "  application/json  | true",
        "NULL | false",
        "'' | false",
        "text/plain | false",
        "text/json | false",
        "application/x-www-form-urlencoded | false",
        "multipart/form-data; boundary=x | false",
        "application/jsonp | false",
        "application/+json | false",
        "application/json+xml | false",
        "application/json; charset=iso-8859-1 | false",
        "application/json; charset=utf-16 | false",
        "application/json; garbage | false",
        "application | false",
        "*/* | false",
    })
    void isJson(String contentType, boolean expected) {
        assertThat(MediaTypes.isJson(contentType)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(nullValues = "NULL", delimiter = '|', value = {
        "text/plain; charset=utf-8 | text/plain",
        "NULL | NULL",
        "text/pl\u00e4in | NULL",
        "no slash | NULL",
    })
    void printableTypeQuotesOnlyPlainTokens(String contentType, String expected) {
        assertThat(MediaTypes.printableType(contentType)).isEqualTo(expected);
    }
}
