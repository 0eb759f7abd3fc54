package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.server.api.SkillRoutes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The agent skill is served, names only endpoints that exist, and explains every proxy error slug. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SkillEndpointTest {
    /** An HTTP method and a path, or a path right after $KEYWAY_ADDR (in a curl line, with its -X method). */
    static final Pattern ENDPOINT = Pattern.compile(
            "(?:(GET|POST|PUT|DELETE) |(?:-X (POST|PUT|DELETE) \"?)?\\$KEYWAY_ADDR)(/(?:v1/|discover)[^\\s`'\")]*)");

    @TempDir
    static Path dir;

    TestServer ts;

    @BeforeAll
    void start() throws Exception {
        ts = TestServer.start(dir);
    }

    @AfterAll
    void stop() {
        ts.close();
    }

    @Test
    void servedWithoutAuthenticationAsMarkdown() throws Exception {
        HttpResponse<String> r = ts.call("GET", "/v1/skill.md", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/markdown; charset=utf-8");
        assertThat(r.body()).isEqualTo(SkillRoutes.skillText()).contains("Keyway-Error");
    }

    @Test
    void everyProxyErrorSlugIsExplained() {
        String skill = SkillRoutes.skillText();
        for (ErrorType t : ErrorType.values()) {
            if (t.ordinal() >= ErrorType.PROXY_AUTH_REQUIRED.ordinal()) {
                assertThat(skill).as("skill.md explains %s", t.slug()).contains("| `" + t.slug() + "` |");
            }
        }
    }

    @Test
    void everyEndpointItNamesExists() throws Exception {
        Matcher m = ENDPOINT.matcher(SkillRoutes.skillText());
        Set<String> seen = new LinkedHashSet<>();
        while (m.find()) {
            String method = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : "GET";
            String path = m.group(3).replaceAll("\\$[A-Z_]+|<[^>]+>|\\{[^}]+}", "prp_doesnotexist");
            seen.add(method + " " + path);
        }
        assertThat(seen).contains("GET /discover", "POST /v1/proposals", "GET /v1/proposals/prp_doesnotexist");
        for (String e : seen) {
            String[] mp = e.split(" ", 2);
            HttpResponse<String> r = ts.call(mp[0], mp[1], mp[0].equals("GET") ? null : "{}");
            assertThat(r.statusCode() == 404 && r.body().contains("no such endpoint")).as(e + " -> " + r.body()).isFalse();
            assertThat(r.statusCode()).as(e).isNotEqualTo(405);
        }
    }

    @Test
    void approvalPageIsStaticAndLockedDown() throws Exception {
        HttpResponse<String> page = ts.call("GET", "/approve/prp_x", null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("default-src 'self'")
                .contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(page.headers().firstValue("referrer-policy")).hasValue("no-referrer");
        assertThat(page.body()).contains("<script src=\"/assets/approve.js\" defer></script>").doesNotContain("innerHTML");
        HttpResponse<String> js = ts.call("GET", "/assets/approve.js", null, null);
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).contains("textContent").doesNotContain("innerHTML");
    }
}
