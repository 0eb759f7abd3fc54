package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway explain URL}: the server's dry run printed for humans and as JSON; bad input is a usage error. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliExplainTest {
    @TempDir
    static Path dir;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
        kw.cli("service", "add", "gh", "--host", "api.github.com", "--method", "GET", "--path", "/repos/**",
                "--header", "Authorization: token {GITHUB_TOKEN}").ok();
        kw.cli("service", "add", "gh-wide", "--host", "api.github.com", "--bearer", "GITHUB_TOKEN").ok();
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    @Test
    void explainsAnInjectionWithTheCandidatesAndTheRule() {
        String out = kw.cli("explain", "https://api.github.com/repos/o/r").ok().out();
        assertThat(out).contains("GET https://api.github.com/repos/o/r  (vault default, as local-admin)")
                .contains("CONNECT: intercept-service")
                .contains("1. gh  api.github.com  allowed")
                .contains("2. gh-wide  api.github.com  allowed")
                .contains("Decided by: the longer literal path prefix (7 characters for 'gh', 0 for 'gh-wide')")
                .contains("Decision: INJECT via service 'gh' (header, credentials [\"GITHUB_TOKEN\"])")
                .contains("but: the request would be refused with 502 credential-unavailable: GITHUB_TOKEN not set");
    }

    @Test
    void explainsADenialAsJson() {
        JsonNode e = kw.cli("explain", "https://api.github.com/repos/o/r", "--method", "DELETE", "--json").ok().json();
        // gh refuses DELETE, but gh-wide (no rules) allows it: the rule says why the wider service wins
        assertThat(e.get("decision").asString()).isEqualTo("inject");
        assertThat(e.get("service").asString()).isEqualTo("gh-wide");
        assertThat(e.get("rule").asString()).startsWith("only 'gh-wide' allows this request");
        kw.cli("service", "disable", "gh-wide").ok();
        try {
            JsonNode d = kw.cli("explain", "https://api.github.com/repos/o/r", "--method", "DELETE", "--json").ok().json();
            assertThat(d.get("decision").asString()).isEqualTo("deny");
            assertThat(d.get("status").asInt()).isEqualTo(403);
            // the disabled service that would allow it is the most informative denial
            assertThat(d.get("error_type").asString()).isEqualTo("service-disabled");
            assertThat(d.get("service").asString()).isEqualTo("gh-wide");
            assertThat(d.get("rule").asString()).isEqualTo(
                    "no candidate allows the request; 'gh-wide' gives the most informative denial (disabled)");
        } finally {
            kw.cli("service", "enable", "gh-wide").ok();
        }
    }

    @Test
    void anUnmatchedHostNamesThePolicy() {
        assertThat(kw.cli("explain", "https://unknown.example.org/").ok().out())
                .contains("Candidates: none (no service covers unknown.example.org:443; unmatched hosts: tunnel)")
                .contains("Decision: TUNNEL");
    }

    @Test
    void badInputIsRefused() {
        CliHarness.Result r = kw.cli("explain", "ftp://x.example.com/");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("https:// or http://");
        CliHarness.Result both = kw.cli("explain", "https://x.example.com/", "--token", "t", "--agent", "a");
        assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
    }
}
