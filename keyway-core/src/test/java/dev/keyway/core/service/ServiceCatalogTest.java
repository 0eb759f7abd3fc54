package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceCatalogTest {

    static Stream<ServiceTemplate> templates() {
        return ServiceCatalog.all().stream();
    }

    @Test
    void hasAtLeast22UniqueSortedTemplates() {
        List<String> names = ServiceCatalog.all().stream().map(ServiceTemplate::name).toList();
        assertThat(names).hasSizeGreaterThanOrEqualTo(22).doesNotHaveDuplicates().isSorted();
        assertThat(names).contains("openai", "anthropic", "github", "github-git", "gitlab", "slack", "stripe",
                "gemini", "mistral", "groq", "openrouter", "npm", "huggingface", "linear", "notion", "sentry",
                "datadog", "cloudflare", "telegram", "deepseek", "together", "cohere", "replicate", "pypi");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void everyTemplateIsValidAndComplete(ServiceTemplate t) {
        ServiceValidator.validate(t.definition());
        assertThat(t.definition().name()).isEqualTo(t.name());
        assertThat(t.description()).isNotBlank();
        assertThat(t.credentialNames()).isNotEmpty();
        Set<String> covered = new HashSet<>();
        for (PlaceholderFormat p : t.placeholders()) {
            covered.add(p.credential());
            assertThat(p.envVar()).matches(Names.CREDENTIAL_NAME);
            assertThat(p.value()).hasSizeBetween(16, 256).matches("[\\x21-\\x7e]+");
            assertThat(p.value().toLowerCase(java.util.Locale.ROOT))
                    .as("placeholder says it is Keyway's (in text or hex)")
                    .containsAnyOf("keyway", "6b6579776179");
        }
        assertThat(covered).as("a placeholder per credential").isEqualTo(t.credentialNames());
        if (t.definition().injection() instanceof Injection.Substitute s) {
            assertThat(t.placeholders()).extracting(PlaceholderFormat::value).contains(s.placeholder());
        }
    }

    @Test
    void placeholdersAreDistinctPerCredential() {
        Map<String, String> byValue = new java.util.HashMap<>();
        templates().flatMap(t -> t.placeholders().stream()).forEach(p -> {
            String previous = byValue.putIfAbsent(p.value(), p.credential());
            assertThat(previous == null || previous.equals(p.credential()))
                    .as("%s and %s share a placeholder", previous, p.credential()).isTrue();
        });
    }

    @Test
    void theWholeCatalogIsAValidVault() {
        List<ServiceDefinition> all = templates().map(ServiceTemplate::definition).toList();
        ServiceValidator.validateVault(all);
        VaultMatcher m = VaultMatcher.compile(all);
        assertThat(m.match("api.openai.com", 443, "POST", "/v1/chat/completions"))
                .get().extracting(x -> x.service().name()).isEqualTo("openai");
        assertThat(m.match("github.com", 443, "POST", "/o/r.git/git-upload-pack"))
                .get().extracting(x -> x.service().name()).isEqualTo("github-git");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            openai      | api.openai.com                    | {bearer=OPENAI_API_KEY}
            anthropic   | api.anthropic.com                 | {header={x-api-key={ANTHROPIC_API_KEY}}}
            github      | api.github.com                    | {header={Authorization=Bearer {GITHUB_TOKEN}}}
            github-git  | github.com                        | {basic={username_literal=x-access-token, password=GITHUB_TOKEN}}
            gitlab      | gitlab.com                        | {header={PRIVATE-TOKEN={GITLAB_TOKEN}}}
            slack       | slack.com                         | {bearer=SLACK_BOT_TOKEN}
            stripe      | api.stripe.com                    | {bearer=STRIPE_SECRET_KEY}
            gemini      | generativelanguage.googleapis.com | {header={x-goog-api-key={GEMINI_API_KEY}}}
            mistral     | api.mistral.ai                    | {bearer=MISTRAL_API_KEY}
            groq        | api.groq.com                      | {bearer=GROQ_API_KEY}
            openrouter  | openrouter.ai                     | {bearer=OPENROUTER_API_KEY}
            npm         | registry.npmjs.org                | {bearer=NPM_TOKEN}
            huggingface | huggingface.co                    | {bearer=HF_TOKEN}
            linear      | api.linear.app                    | {header={Authorization={LINEAR_API_KEY}}}
            notion      | api.notion.com                    | {bearer=NOTION_TOKEN}
            sentry      | sentry.io                         | {bearer=SENTRY_AUTH_TOKEN}
            datadog     | api.datadoghq.com                 | {header={DD-API-KEY={DD_API_KEY}, DD-APPLICATION-KEY={DD_APP_KEY}}}
            cloudflare  | api.cloudflare.com                | {bearer=CLOUDFLARE_API_TOKEN}
            deepseek    | api.deepseek.com                  | {bearer=DEEPSEEK_API_KEY}
            together    | api.together.xyz                  | {bearer=TOGETHER_API_KEY}
            cohere      | api.cohere.com                    | {bearer=COHERE_API_KEY}
            replicate   | api.replicate.com                 | {bearer=REPLICATE_API_TOKEN}
            pypi        | upload.pypi.org                   | {basic={username_literal=__token__, password=PYPI_TOKEN}}
            """)
    void knownFacts(String name, String host, String inject) {
        ServiceDefinition d = ServiceCatalog.get(name).orElseThrow().definition();
        assertThat(d.host()).isEqualTo(host);
        assertThat(d.injection().toJson().toString()).isEqualTo(inject);
    }

    @Test
    void telegramSubstitutesInThePathOnly() {
        ServiceTemplate t = ServiceCatalog.get("telegram").orElseThrow();
        Injection.Substitute s = (Injection.Substitute) t.definition().injection();
        assertThat(s.surfaces()).containsExactly(Surface.PATH);
        assertThat(s.credential()).isEqualTo("TELEGRAM_BOT_TOKEN");
        assertThat(s.placeholder()).matches("\\d+:[A-Za-z0-9_-]{35}");
    }

    @ParameterizedTest(name = "{0} placeholder looks like {1}")
    @CsvSource(delimiter = '|', textBlock = """
            GITHUB_TOKEN      | ghp_[A-Za-z0-9]{36}
            ANTHROPIC_API_KEY | sk-ant-api03-[A-Za-z0-9_-]{93}AA
            GEMINI_API_KEY    | AIza[A-Za-z0-9_-]{35}
            OPENAI_API_KEY    | sk-[A-Za-z0-9_-]+
            GITLAB_TOKEN      | glpat-[A-Za-z0-9_-]{20}
            SLACK_BOT_TOKEN   | xoxb-[0-9]+-[0-9]+-[A-Za-z0-9]+
            HF_TOKEN          | hf_[A-Za-z0-9]{34}
            NPM_TOKEN         | npm_[A-Za-z0-9]{36}
            GROQ_API_KEY      | gsk_[A-Za-z0-9]{52}
            DD_API_KEY        | [0-9a-f]{32}
            DD_APP_KEY        | [0-9a-f]{40}
            """)
    void placeholdersPassCommonFormatChecks(String credential, String regex) {
        List<String> values = templates().flatMap(t -> t.placeholders().stream())
                .filter(p -> p.credential().equals(credential))
                .map(PlaceholderFormat::value)
                .distinct()
                .toList();
        assertThat(values).isNotEmpty().allMatch(v -> v.matches(regex), "matches " + regex);
    }

    @Test
    void instantiateRenamesAndValidates() {
        ServiceDefinition d = ServiceCatalog.instantiate("github", "github-work", Map.of("GITHUB_TOKEN", "GH_WORK"));
        assertThat(d.name()).isEqualTo("github-work");
        assertThat(d.host()).isEqualTo("api.github.com");
        assertThat(d.injection()).isEqualTo(Injection.Headers.of("Authorization", "Bearer {GH_WORK}"));

        ServiceTemplate datadog = ServiceCatalog.get("datadog").orElseThrow();
        ServiceDefinition dd = ServiceCatalog.instantiate("datadog", "dd-eu", Map.of("DD_APP_KEY", "DD_EU_APP"));
        assertThat(dd.injection().credentialNames()).containsExactly("DD_API_KEY", "DD_EU_APP");

        ServiceDefinition git = ServiceCatalog.instantiate("github-git", "git",
                ServiceCatalog.get("github-git").orElseThrow().singleCredentialOverride("GH_PUSH"));
        assertThat(git.injection()).isEqualTo(Injection.Basic.withLiteralUser("x-access-token", "GH_PUSH"));

        ServiceDefinition tg = ServiceCatalog.instantiate("telegram", "tg", Map.of("TELEGRAM_BOT_TOKEN", "TG2"));
        assertThat(((Injection.Substitute) tg.injection()).credential()).isEqualTo("TG2");
        assertThat(((Injection.Substitute) tg.injection()).surfaces()).isEqualTo(EnumSet.of(Surface.PATH));

        assertThat(ServiceCatalog.instantiate("openai", "openai", Map.of()))
                .isEqualTo(ServiceCatalog.get("openai").orElseThrow().definition());

        assertThatThrownBy(() -> datadog.singleCredentialOverride("X"))
                .isInstanceOf(KeywayException.class).hasMessageContaining("uses 2 credentials");
    }

    @Test
    void renamingKeepsLiteralBracesEscaped() {
        Injection i = CredentialRenamer.rename(Injection.Headers.of("X", "{{a}} {OLD}"), Map.of("OLD", "NEW"));
        assertThat(i).isEqualTo(Injection.Headers.of("X", "{{a}} {NEW}"));
    }

    @Test
    void instantiateErrors() {
        assertThatThrownBy(() -> ServiceCatalog.instantiate("nope", "x", Map.of()))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.NOT_FOUND))
                .hasMessageContaining("'nope'").hasMessageContaining("openai");
        assertThatThrownBy(() -> ServiceCatalog.instantiate("openai", "x", Map.of("WRONG", "X")))
                .isInstanceOfSatisfying(KeywayException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.VALIDATION))
                .hasMessageContaining("no credential 'WRONG'").hasMessageContaining("OPENAI_API_KEY");
        assertThatThrownBy(() -> ServiceCatalog.instantiate("openai", "Bad Name", Map.of()))
                .isInstanceOf(KeywayException.class).hasMessageContaining("service name");
        assertThatThrownBy(() -> ServiceCatalog.instantiate("openai", "x", Map.of("OPENAI_API_KEY", "lower")))
                .isInstanceOf(KeywayException.class).hasMessageContaining("not a credential name");
        assertThat(ServiceCatalog.get("missing")).isEmpty();
    }
}
