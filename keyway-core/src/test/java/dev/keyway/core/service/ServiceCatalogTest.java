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
    void hasAtLeast60UniqueSortedTemplates() {
        List<String> names = ServiceCatalog.all().stream().map(ServiceTemplate::name).toList();
        assertThat(names).hasSizeGreaterThanOrEqualTo(60).doesNotHaveDuplicates().isSorted();
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
            assertThat(p.value().toLowerCase(java.util.Locale.ROOT).replace("-", ""))
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

    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    /**
     * The documented key format of every credential in the catalog (from each vendor's docs or its
     * SDK's local check); a new template must add its row. The placeholder handed to the agent must
     * pass it, or the SDK refuses to start before Keyway ever sees a request.
     */
    static final Map<String, String> KEY_FORMATS = Map.ofEntries(
            Map.entry("OPENAI_API_KEY", "sk-(proj-)?[A-Za-z0-9_-]{20,}"),
            Map.entry("ANTHROPIC_API_KEY", "sk-ant-api03-[A-Za-z0-9_-]{93}AA"),
            Map.entry("GEMINI_API_KEY", "AIza[A-Za-z0-9_-]{35}"),
            Map.entry("GOOGLE_API_KEY", "AIza[A-Za-z0-9_-]{35}"),
            Map.entry("MISTRAL_API_KEY", "[A-Za-z0-9]{32}"),
            Map.entry("GROQ_API_KEY", "gsk_[A-Za-z0-9]{52}"),
            Map.entry("OPENROUTER_API_KEY", "sk-or-v1-[0-9a-f]{64}"),
            Map.entry("DEEPSEEK_API_KEY", "sk-[0-9a-f]{32}"),
            Map.entry("TOGETHER_API_KEY", "[0-9a-f]{64}"),
            Map.entry("COHERE_API_KEY", "[A-Za-z0-9]{40}"),
            Map.entry("REPLICATE_API_TOKEN", "r8_[A-Za-z0-9]{37}"),
            Map.entry("XAI_API_KEY", "xai-[A-Za-z0-9]{80}"),
            Map.entry("PERPLEXITY_API_KEY", "pplx-[A-Za-z0-9]{48}"),
            Map.entry("HF_TOKEN", "hf_[A-Za-z0-9]{34}"),
            Map.entry("ELEVENLABS_API_KEY", "sk_[0-9a-f]{48}"),
            Map.entry("BRAVE_API_KEY", "BSA[A-Za-z0-9]{28}"),
            Map.entry("GITHUB_TOKEN", "ghp_[A-Za-z0-9]{36}"),
            Map.entry("GITLAB_TOKEN", "glpat-[A-Za-z0-9_-]{20}"),
            Map.entry("NPM_TOKEN", "npm_[A-Za-z0-9]{36}"),
            Map.entry("PYPI_TOKEN", "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
            Map.entry("SLACK_BOT_TOKEN", "xoxb-[0-9]+-[0-9]+-[A-Za-z0-9]+"),
            Map.entry("STRIPE_SECRET_KEY", "sk_live_[A-Za-z0-9]{99}"),
            Map.entry("LINEAR_API_KEY", "lin_api_[A-Za-z0-9]{40}"),
            Map.entry("NOTION_TOKEN", "ntn_[A-Za-z0-9]{46}"),
            Map.entry("SENTRY_AUTH_TOKEN", "sntryu_[0-9a-f]{64}"),
            Map.entry("DD_API_KEY", "[0-9a-f]{32}"),
            Map.entry("DD_APP_KEY", "[0-9a-f]{40}"),
            Map.entry("CLOUDFLARE_API_TOKEN", "[A-Za-z0-9_-]{40}"),
            Map.entry("TELEGRAM_BOT_TOKEN", "[0-9]+:[A-Za-z0-9_-]{35}"),
            Map.entry("AZURE_OPENAI_API_KEY", "[0-9a-f]{32}"),
            Map.entry("AWS_BEARER_TOKEN_BEDROCK", "ABSK[A-Za-z0-9+/=]{100,}"),
            Map.entry("FIREWORKS_API_KEY", "fw_[A-Za-z0-9]{24}"),
            Map.entry("VOYAGE_API_KEY", "pa-[A-Za-z0-9_-]{43}"),
            Map.entry("TAVILY_API_KEY", "tvly-[A-Za-z0-9-]{32}"),
            Map.entry("EXA_API_KEY", UUID),
            Map.entry("SERPER_API_KEY", "[0-9a-f]{40}"),
            Map.entry("JINA_API_KEY", "jina_[A-Za-z0-9_-]{60}"),
            Map.entry("CEREBRAS_API_KEY", "csk-[a-z0-9A-Z]{48}"),
            Map.entry("NVIDIA_API_KEY", "nvapi-[A-Za-z0-9_-]{64}"),
            Map.entry("STABILITY_API_KEY", "sk-[A-Za-z0-9]{48}"),
            Map.entry("FAL_KEY", UUID + ":[0-9a-f]{32}"),
            Map.entry("ASSEMBLYAI_API_KEY", "[0-9a-f]{32}"),
            Map.entry("DEEPGRAM_API_KEY", "[0-9a-f]{40}"),
            Map.entry("LANGSMITH_API_KEY", "lsv2_pt_[0-9a-f]{32}_[0-9a-f]{10}"),
            Map.entry("LANGFUSE_PUBLIC_KEY", "pk-lf-" + UUID),
            Map.entry("LANGFUSE_SECRET_KEY", "sk-lf-" + UUID),
            Map.entry("FIRECRAWL_API_KEY", "fc-[0-9a-f]{32}"),
            Map.entry("BROWSERBASE_API_KEY", "bb_live_[A-Za-z0-9_-]{27}"),
            Map.entry("E2B_API_KEY", "e2b_[0-9a-f]{40}"),
            Map.entry("PINECONE_API_KEY", "pcsk_[A-Za-z0-9_]{70}"),
            Map.entry("BITBUCKET_TOKEN", "ATCTT3xFfGN0[A-Za-z0-9_=-]{80,}"),
            Map.entry("ATLASSIAN_EMAIL", "[^@\\s]+@[^@\\s]+\\.[a-z]+"),
            Map.entry("ATLASSIAN_API_TOKEN", "ATATT3xFfGF0[A-Za-z0-9_=-]{100,}"),
            Map.entry("JIRA_EMAIL", "[^@\\s]+@[^@\\s]+\\.[a-z]+"),
            Map.entry("JIRA_TOKEN", "ATATT3xFfGF0[A-Za-z0-9_=-]{100,}"),
            Map.entry("ZENDESK_EMAIL", "[^@\\s]+@[^@\\s]+\\.[a-z]+"),
            Map.entry("ZENDESK_API_TOKEN", "[A-Za-z0-9]{40}"),
            Map.entry("FRESHDESK_API_KEY", "[A-Za-z0-9]{20}"),
            Map.entry("VERCEL_TOKEN", "[A-Za-z0-9]{24}"),
            Map.entry("NETLIFY_AUTH_TOKEN", "nfp_[A-Za-z0-9]{36}"),
            Map.entry("FLY_API_TOKEN", "fm2_[A-Za-z0-9_+/=-]{100,}"),
            Map.entry("RENDER_API_KEY", "rnd_[A-Za-z0-9]{32}"),
            Map.entry("DIGITALOCEAN_TOKEN", "dop_v1_[0-9a-f]{64}"),
            Map.entry("HEROKU_API_KEY", UUID),
            Map.entry("DOCKERHUB_USERNAME", "[a-z0-9-]{4,30}"),
            Map.entry("DOCKERHUB_TOKEN", "dckr_pat_[A-Za-z0-9_-]{27}"),
            Map.entry("CARGO_REGISTRY_TOKEN", "cio[A-Za-z0-9]{32}"),
            Map.entry("CIRCLE_TOKEN", "CCIPAT_[A-Za-z0-9_]{40,}"),
            Map.entry("FIGMA_TOKEN", "figd_[A-Za-z0-9_-]{40}"),
            Map.entry("NEON_API_KEY", "napi_[a-z0-9A-Z]{64}"),
            Map.entry("PAGERDUTY_API_KEY", "[A-Za-z0-9_+-]{20}"),
            Map.entry("AIRTABLE_API_KEY", "pat[A-Za-z0-9]{14}\\.[0-9a-f]{64}"),
            Map.entry("DISCORD_BOT_TOKEN", "[A-Za-z0-9_-]{24,}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,}"),
            Map.entry("TWILIO_ACCOUNT_SID", "AC[0-9a-f]{32}"),
            Map.entry("TWILIO_AUTH_TOKEN", "[0-9a-f]{32}"),
            Map.entry("SENDGRID_API_KEY", "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}"),
            Map.entry("POSTMARK_SERVER_TOKEN", UUID),
            Map.entry("RESEND_API_KEY", "re_[A-Za-z0-9_]{33}"),
            Map.entry("MAILGUN_API_KEY", "[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}"),
            Map.entry("SUPABASE_SERVICE_ROLE_KEY", "eyJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}"),
            Map.entry("SHOPIFY_ACCESS_TOKEN", "shpat_[0-9a-f]{32}"),
            Map.entry("MAPBOX_ACCESS_TOKEN", "pk\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}"),
            Map.entry("BINANCE_API_KEY", "[A-Za-z0-9]{64}"),
            Map.entry("BINANCE_SECRET_KEY", "[A-Za-z0-9]{64}"),
            Map.entry("COINBASE_EXCHANGE_KEY", "[0-9a-f]{32}"),
            Map.entry("COINBASE_EXCHANGE_SECRET", "[A-Za-z0-9+/]{86}=="),
            Map.entry("COINBASE_EXCHANGE_PASSPHRASE", "[A-Za-z0-9]{16}"),
            Map.entry("COINBASE_CDP_KEY_NAME", "organizations/" + UUID + "/apiKeys/" + UUID),
            Map.entry("COINBASE_CDP_PRIVATE_KEY", "[A-Za-z0-9]{64}")); // the agent never signs: any opaque value

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void everyPlaceholderHasTheDocumentedKeyFormat(ServiceTemplate t) {
        for (PlaceholderFormat p : t.placeholders()) {
            assertThat(KEY_FORMATS).as("documented format for %s (template %s)", p.credential(), t.name())
                    .containsKey(p.credential());
            assertThat(p.value()).as("%s placeholder of template %s", p.credential(), t.name())
                    .matches(KEY_FORMATS.get(p.credential()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void aRenamedCredentialStillGetsTheTemplatesShapedPlaceholder(ServiceTemplate t) {
        Map<String, String> renames = new java.util.LinkedHashMap<>();
        int i = 0;
        for (String c : t.credentialNames()) {
            renames.put(c, "RENAMED_" + (i++));
        }
        String host = t.perTenant() ? "tenant-a" + t.hostSuffix() : null;
        ServiceDefinition d = ServiceCatalog.instantiate(t.name(), "mine", renames, host);
        for (PlaceholderFormat p : t.placeholders()) {
            PlaceholderFormat got = ServiceCatalog.placeholderFor(d, renames.get(p.credential())).orElseThrow();
            assertThat(got.value()).as("%s of %s", p.credential(), t.name()).isEqualTo(p.value());
            assertThat(got.envVar()).as("the SDK's variable").isEqualTo(p.envVar());
            assertThat(got.credential()).isEqualTo(renames.get(p.credential()));
        }
    }

    @Test
    void aServiceNotMadeFromATemplateGetsNoShapedPlaceholderForAnUnknownName() {
        ServiceDefinition d = ServiceDefinition.of("x", "api.example.com", new Injection.Bearer("SOMETHING_ELSE"));
        assertThat(ServiceCatalog.placeholderFor(d, "SOMETHING_ELSE")).isEmpty();
        ServiceDefinition byName = ServiceDefinition.of("x", "proxy.example.com", new Injection.Bearer("OPENAI_API_KEY"));
        assertThat(ServiceCatalog.placeholderFor(byName, "OPENAI_API_KEY")).get()
                .extracting(PlaceholderFormat::value).asString().startsWith("sk-proj-");
    }

    @Test
    void aPerTenantTemplateNeedsItsOwnHostUnderItsSuffixNeverAWildcard() {
        assertThat(ServiceCatalog.all()).filteredOn(ServiceTemplate::perTenant).extracting(ServiceTemplate::name)
                .contains("supabase", "shopify", "jira", "confluence", "azure-openai", "zendesk", "freshdesk");
        assertThatThrownBy(() -> ServiceCatalog.instantiate("supabase", "db", Map.of(), null))
                .isInstanceOf(KeywayException.class).hasMessageContaining("per project").hasMessageContaining("--host");
        for (String bad : List.of("*.supabase.co", "supabase.co", "a.b.supabase.co", "evil.example.com", "x.supabase.co.evil.com")) {
            assertThatThrownBy(() -> ServiceCatalog.instantiate("supabase", "db", Map.of(), bad)).as(bad)
                    .isInstanceOf(KeywayException.class).hasMessageContaining("<project>.supabase.co");
        }
        ServiceDefinition d = ServiceCatalog.instantiate("supabase", "db", Map.of(), "abcdefgh.supabase.co");
        assertThat(d.host()).isEqualTo("abcdefgh.supabase.co");
        assertThat(ServiceCatalog.instantiate("jira", "jira", Map.of(), "acme.atlassian.net").paths())
                .containsExactly("/rest/api/**", "/rest/agile/**");
        // composite values: the Atlassian form of Basic, and Zendesk's e-mail/token user name
        ServiceDefinition jira = ServiceCatalog.instantiate("jira", "jira", Map.of(), "acme.atlassian.net");
        assertThat(jira.injection()).isEqualTo(Injection.Headers.of("Authorization", "Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}"));
        assertThat(jira.injection().credentialNames()).containsExactly("JIRA_EMAIL", "JIRA_TOKEN");
        ServiceDefinition zendesk = ServiceCatalog.instantiate("zendesk", "zd", Map.of("ZENDESK_API_TOKEN", "ZD_TOKEN"),
                "acme.zendesk.com");
        assertThat(((Injection.Headers) zendesk.injection()).headers().get(0).format())
                .isEqualTo("Basic {base64(ZENDESK_EMAIL + \"/token:\" + ZD_TOKEN)}");
        assertThatThrownBy(() -> ServiceCatalog.instantiate("zendesk", "zd", Map.of(), null))
                .hasMessageContaining("per subdomain");
        // a template with one fixed host may be moved too (another Bedrock region)
        assertThat(ServiceCatalog.instantiate("bedrock-api-key", "br", Map.of(), "bedrock-runtime.eu-west-1.amazonaws.com")
                .host()).isEqualTo("bedrock-runtime.eu-west-1.amazonaws.com");
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
