package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.service.Match;
import dev.keyway.core.service.MatchOutcome;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceValidator;
import dev.keyway.core.service.VaultMatcher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The whole decision path as the proxy drives it: services.yaml → validate → compile → match → inject. */
class MatchDecideInjectTest {
    private static final String SERVICES_YAML = """
            - name: github
              host: api.github.com
              methods: [GET]
              paths: ["/repos/**"]
              inject: { header: { Authorization: "token {GITHUB_TOKEN}" } }
            - name: gemini
              host: generativelanguage.googleapis.com
              inject: { query: { key: GEMINI_API_KEY } }
            """;

    private static final CredentialResolver VAULT = name -> Optional.ofNullable(switch (name) {
        case "GITHUB_TOKEN" -> "ghp_real";
        case "GEMINI_API_KEY" -> "AIza real";
        case "TELEGRAM_BOT_TOKEN" -> "123456:ABC-def_ghi";
        default -> null;
    }).map(s -> s.getBytes(StandardCharsets.UTF_8));

    private static VaultMatcher matcher() {
        List<ServiceDefinition> services =
                YAMLMapper.builder().build().readValue(SERVICES_YAML, new TypeReference<List<ServiceDefinition>>() {});
        ServiceDefinition telegram = ServiceCatalog.instantiate("telegram", "telegram", Map.of());
        List<ServiceDefinition> all = new ArrayList<>(services);
        all.add(telegram);
        ServiceValidator.validateVault(all);
        return VaultMatcher.compile(all);
    }

    @Test
    void allowedRequestGetsItsCredential() {
        VaultMatcher m = matcher();
        assertThat(m.hasServiceFor("api.github.com", 443)).isTrue();
        HttpHead head = new HttpHead("GET", "/repos/o/r?per_page=1",
                List.of(new HttpHead.Header("Authorization", "token ghp_placeholder")));
        Match match = m.match("api.github.com", 443, head.method(), head.path()).orElseThrow();
        assertThat(match.outcome()).isEqualTo(MatchOutcome.ALLOWED);
        InjectionResult.Applied r = (InjectionResult.Applied) Injector.apply(match.service(), head, VAULT);
        assertThat(r.head().header("Authorization")).isEqualTo("token ghp_real");
        assertThat(r.credentialsUsed()).containsExactly("GITHUB_TOKEN");
    }

    @Test
    void deniedRequestExplainsTheRules() {
        Match match = matcher().match("api.github.com", 443, "DELETE", "/repos/o/r").orElseThrow();
        assertThat(match.outcome()).isEqualTo(MatchOutcome.METHOD_NOT_ALLOWED);
        assertThat(match.outcome().errorType().slug()).isEqualTo("service-rule-denied");
        assertThat(match.explain()).isEqualTo("service 'github' allows only GET on paths /repos/**");
    }

    @Test
    void queryAndPathInjection() {
        VaultMatcher m = matcher();
        HttpHead gemini = new HttpHead("POST", "/v1beta/models/g:generateContent?key=AIzaFAKE&alt=sse", List.of());
        Match g = m.match("generativelanguage.googleapis.com", 443, "POST", gemini.path()).orElseThrow();
        assertThat(((InjectionResult.Applied) Injector.apply(g.service(), gemini, VAULT)).head().pathAndQuery())
                .isEqualTo("/v1beta/models/g:generateContent?key=AIza%20real&alt=sse");

        String placeholder = "0000000000:AAKeywayPlaceholderTelegramBotToken";
        HttpHead tg = new HttpHead("GET", "/bot" + placeholder + "/getMe", List.of());
        Match t = m.match("api.telegram.org", 443, "GET", tg.path()).orElseThrow();
        assertThat(((InjectionResult.Applied) Injector.apply(t.service(), tg, VAULT)).head().pathAndQuery())
                .isEqualTo("/bot123456:ABC-def_ghi/getMe");
    }

    @Test
    void unknownHostsAreNotIntercepted() {
        assertThat(matcher().hasServiceFor("example.org", 443)).isFalse();
        assertThat(matcher().match("example.org", 443, "GET", "/")).isEmpty();
    }
}
