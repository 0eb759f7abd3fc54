package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathGlobTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /                 | /                 | true
            /                 | /a                | false
            /**               | /                 | true
            /**               | /a/b/c            | true
            /**               | ''                | false
            /**               | a/b               | false
            /repos/**         | /repos            | true
            /repos/**         | /repos/           | true
            /repos/**         | /repos/a/b        | true
            /repos/**         | /reposx           | false
            /repos/**         | /repo             | false
            /v1/*             | /v1/models        | true
            /v1/*             | /v1/              | false
            /v1/*             | /v1/a/b           | false
            /v1/*             | /v1               | false
            /v1/*/models      | /v1/x/models      | true
            /v1/*/models      | /v1//models       | false
            /a/**/b           | /a/b              | true
            /a/**/b           | /a/x/y/b          | true
            /a/**/b           | /a/x/y/c          | false
            /a/**/b/**        | /a/1/b/2/b        | true
            /files/*.json     | /files/a.json     | true
            /files/*.json     | /files/.json      | true
            /files/*.json     | /files/a.jsonx    | false
            /files/*.json     | /files/a/b.json   | false
            /v*/x             | /v1/x             | true
            /v*/x             | /v/x              | true
            /v*/x             | /w1/x             | false
            /a*b*c            | /abc              | true
            /a*b*c            | /axxbyyc          | true
            /a*b*c            | /axxbyy           | false
            /a*b*c            | /acb              | false
            /a*a              | /a                | false
            /a*a              | /aa               | true
            /a/b              | /a/b              | true
            /a/b              | /a/b/             | false
            /a/b              | /A/b              | false
            /a/**             | /a/../b           | false
            /a/**             | /a/./b            | false
            /a/**             | /a/%2E%2e/b       | false
            /a/**             | /a/x%2fy          | false
            /a/**             | /a/x%5Cy          | false
            /a/**             | /a/...            | true
            /a/**             | /a/.x             | true
            /a/**             | /a/x%20y          | true
            """)
    void matches(String glob, String path, boolean expected) {
        assertThat(PathGlob.compile(glob).matches(path)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "prefix of {0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /                | 1
            /**              | 1
            /repos/**        | 7
            /v1/models       | 10
            /v1/*/models     | 4
            /files/a*.json   | 8
            """)
    void literalPrefix(String glob, int expected) {
        assertThat(PathGlob.compile(glob).literalPrefixLength()).isEqualTo(expected);
    }

    /**
     * The path is the agent's: several {@code **} segments must not let it force an exponential
     * search (the fuzz target found globs like {@code /**}{@code /a/**}{@code /**}... taking minutes on a
     * long path). The work is bounded by (segments + 1) x (path length + 2) states, each expanded once.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {10, 100, 1000})
    void manyDoubleStarsOnALongPathStayPolynomial(int repeat) {
        PathGlob g = PathGlob.compile("/**/a/**/b/**/c/**/d/**/e");
        String almost = "/a/b/c/d" + "/x".repeat(repeat);          // no final "e": every split fails
        String hit = "/x/a/x/b/x/c/x/d" + "/x".repeat(repeat) + "/e";
        assertThat(g.matches(almost)).isFalse();
        assertThat(g.matches(hit)).isTrue();
        int segments = 10;
        assertThat(g.steps(almost)).isLessThanOrEqualTo(2L * (segments + 1) * (almost.length() + 2));
        assertThat(g.steps(hit)).isLessThanOrEqualTo(2L * (segments + 1) * (hit.length() + 2));
    }
}
