package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunChildEnvTest {
    static final String TOKEN = "kw_tok_abcDEF123_x";

    static ChildEnv.Result build(Map<String, String> parent, List<ServiceInfo> services) {
        return ChildEnv.build(new ChildEnv.Inputs(parent, "http://keyway:9790", TOKEN, "team a", "keyway", 9791, "keyway", services,
                List.of("internal.corp"), RunJavaToolOptionsTest.TRUST));
    }

    @ParameterizedTest
    @CsvSource({"KEYWAY_HOME, true", "keyway_token, true", "HTTPS_PROXY, true", "Https_Proxy, true", "no_proxy, true",
        "FTP_PROXY, true", "SSL_CERT_FILE, true", "ssl_cert_dir, true", "NODE_EXTRA_CA_CERTS, true", "GIT_SSL_CAPATH, true",
        "NODE_USE_ENV_PROXY, true", "WGETRC, true", "wgetrc, true", "NODE_OPTIONS, false", "PATH, false", "HOME, false", "OPENAI_API_KEY, false", "PROXY, false", "JAVA_TOOL_OPTIONS, false"})
    void staleVariables(String name, boolean stale) {
        assertThat(ChildEnv.isStale(name)).isEqualTo(stale);
    }

    @Test
    void setsEverythingEveryStackReads() {
        ChildEnv.Result r = build(Map.of("PATH", "/bin"), List.of(new ServiceInfo("openai", "api.openai.com",
                List.of(new ServiceInfo.EnvVar("OPENAI_API_KEY", "sk-keyway-placeholder")))));
        Map<String, String> s = r.set();
        String url = "http://" + TOKEN + ":team%20a@keyway:9791";
        for (String v : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")) {
            assertThat(s).containsEntry(v, url);
        }
        assertThat(s).containsEntry("KEYWAY_ADDR", "http://keyway:9790").containsEntry("KEYWAY_TOKEN", TOKEN)
                .containsEntry("KEYWAY_VAULT", "team a").containsEntry("NODE_USE_ENV_PROXY", "1")
                .containsEntry("NO_PROXY", "localhost,127.0.0.1,::1,keyway,internal.corp").containsEntry("no_proxy", s.get("NO_PROXY"))
                .containsEntry("NODE_EXTRA_CA_CERTS", "/t/keyway-ca.pem").containsEntry("OPENAI_API_KEY", "sk-keyway-placeholder");
        for (String v : ChildEnv.BUNDLE_VARIABLES) {
            assertThat(s).containsEntry(v, "/t/ca-bundle.pem");
        }
        assertThat(s.get("JAVA_TOOL_OPTIONS")).contains("-javaagent:/t/keyway-agent.jar").doesNotContain(TOKEN);
        assertThat(s).containsEntry("NODE_OPTIONS", "--require /t/keyway-node-preload.cjs").containsEntry("WGETRC", "/t/wgetrc");
        assertThat(r.full()).containsEntry("PATH", "/bin").containsAllEntriesOf(s);
    }

    @Test
    void staleVariablesAreDroppedAndReportedPlaceholdersOverrideRealKeys() {
        Map<String, String> parent = new HashMap<>();
        parent.put("Https_Proxy", "http://old:1");
        parent.put("HTTPS_PROXY", "http://old:2");
        parent.put("SSL_CERT_DIR", "/old");
        parent.put("KEYWAY_HOME", "/old");
        parent.put("OPENAI_API_KEY", "sk-real-key");
        parent.put("TERM", "xterm");
        ChildEnv.Result r = build(parent, List.of(new ServiceInfo("openai", "api.openai.com",
                List.of(new ServiceInfo.EnvVar("OPENAI_API_KEY", "sk-keyway-placeholder")))));
        assertThat(r.removed()).containsExactly("Https_Proxy", "KEYWAY_HOME", "SSL_CERT_DIR");
        assertThat(r.full()).doesNotContainKeys("Https_Proxy", "KEYWAY_HOME", "SSL_CERT_DIR").containsEntry("TERM", "xterm")
                .containsEntry("OPENAI_API_KEY", "sk-keyway-placeholder");
        assertThat(r.full().values()).doesNotContain("sk-real-key");
    }

    @Test
    void boundLocalHostStaysOnTheProxyAndPlaceholdersCannotShadowOurVariables() {
        ChildEnv.Result r = build(Map.of(), List.of(new ServiceInfo("llm", "localhost:11434",
                List.of(new ServiceInfo.EnvVar("HTTPS_PROXY", "x"), new ServiceInfo.EnvVar("LLM_KEY", "ph")))));
        assertThat(r.set().get("NO_PROXY")).isEqualTo("127.0.0.1,::1,keyway,internal.corp");
        assertThat(r.set().get("HTTPS_PROXY")).startsWith("http://kw_tok_");
        assertThat(r.set()).containsEntry("LLM_KEY", "ph");
        assertThat(r.set().get("JAVA_TOOL_OPTIONS")).contains("-Dhttp.nonProxyHosts=127.0.0.1|[::1]|keyway|");
    }

    @Test
    void ipv6ProxyHostIsBracketed() {
        assertThat(ChildEnv.proxyUrl("t", "v", "::1", 9791)).isEqualTo("http://t:v@[::1]:9791");
    }
}
