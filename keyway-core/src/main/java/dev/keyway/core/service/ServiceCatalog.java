package dev.keyway.core.service;

import dev.keyway.core.error.KeywayException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Built-in templates for well-known APIs, so {@code keyway service add openai} needs no YAML. Each
 * template is a complete, valid service with conventional credential names (the environment
 * variable the vendor's SDK reads) and a format-valid placeholder for the agent.
 *
 * <p>Credential renaming ({@link #instantiate}): the override map's keys are the template's default
 * credential names, its values the names to use instead; credentials not in the map keep their
 * default name. The CLI's {@code --credential NAME} applies only to single-credential templates and
 * means {@code {<the one default name>: NAME}} ({@link ServiceTemplate#singleCredentialOverride}).
 */
public final class ServiceCatalog {
    private static final List<ServiceTemplate> TEMPLATES = build();
    private static final Map<String, ServiceTemplate> BY_NAME = index(TEMPLATES);

    private ServiceCatalog() {}

    /** Every template, sorted by name. */
    public static List<ServiceTemplate> all() {
        return TEMPLATES;
    }

    /** The template with this name, if any. */
    public static Optional<ServiceTemplate> get(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * A service made from a template: named {@code serviceName}, credentials renamed by {@code
     * credentialOverrides} (default name → new name), validated.
     *
     * @throws KeywayException not-found for an unknown template; validation for an override key the
     *     template does not use, or an invalid service name or credential name
     */
    public static ServiceDefinition instantiate(
            String templateName, String serviceName, Map<String, String> credentialOverrides) {
        return instantiate(templateName, serviceName, credentialOverrides, null);
    }

    /**
     * As {@link #instantiate(String, String, Map)}, on {@code host} instead of the template's. A
     * per-tenant template ({@link ServiceTemplate#perTenant}) needs a host, one label under its suffix.
     *
     * @throws KeywayException validation (field {@code host}) for a missing or foreign host
     */
    public static ServiceDefinition instantiate(
            String templateName, String serviceName, Map<String, String> credentialOverrides, @Nullable String host) {
        ServiceTemplate t = get(templateName).orElseThrow(() -> KeywayException.notFound(
                "no built-in service template '" + templateName + "'; available: "
                        + String.join(", ", BY_NAME.keySet())));
        for (String from : credentialOverrides.keySet()) {
            if (!t.credentialNames().contains(from)) {
                throw KeywayException.validation("credential", "template '" + templateName
                        + "' has no credential '" + from + "'; its credentials are " + t.credentialNames());
            }
        }
        ServiceDefinition d = t.definition()
                .withName(serviceName)
                .withInjection(CredentialRenamer.rename(t.definition().injection(), credentialOverrides));
        String suffix = t.hostSuffix();
        if (suffix != null) {
            String example = t.definition().host();
            if (host == null) {
                throw KeywayException.validation("host", "template '" + templateName + "' is per " + tenantWord(t)
                        + ": name yours, e.g. --host " + example + " (a wildcard would send the key to every "
                        + tenantWord(t) + " under " + suffix.substring(1) + ")");
            }
            String label = host.endsWith(suffix) ? host.substring(0, host.length() - suffix.length()) : "";
            if (label.isEmpty() || label.contains(".") || label.startsWith("*")) {
                throw KeywayException.validation("host", "template '" + templateName + "' needs a host of the form <"
                        + tenantWord(t) + ">" + suffix + ", e.g. " + example);
            }
        }
        if (host != null) {
            d = d.withHost(host);
        }
        ServiceValidator.validate(d);
        return d;
    }

    /**
     * The placeholder an agent should be given for {@code credential} as service {@code d} uses it.
     * A service made from a template keeps the template's shaped value even when its credentials were
     * renamed ({@code --template github --credential GH_WORK}): the template is recognised by its
     * host and its injection with the credentials renamed position by position. Otherwise any
     * template's placeholder for a credential of that name; empty when there is none.
     */
    public static Optional<PlaceholderFormat> placeholderFor(ServiceDefinition d, String credential) {
        List<String> names = List.copyOf(d.injection().credentialNames());
        int at = names.indexOf(credential);
        if (at >= 0) {
            for (ServiceTemplate t : TEMPLATES) {
                List<String> defaults = List.copyOf(t.credentialNames());
                String suffix = t.hostSuffix();
                boolean sameApi = suffix == null ? t.definition().host().equals(d.host()) : d.host().endsWith(suffix);
                if (!sameApi || defaults.size() != names.size()) {
                    continue;
                }
                Map<String, String> renames = new LinkedHashMap<>();
                for (int i = 0; i < defaults.size(); i++) {
                    renames.put(defaults.get(i), names.get(i));
                }
                if (CredentialRenamer.rename(t.definition().injection(), renames).equals(d.injection())) {
                    String original = defaults.get(at);
                    for (PlaceholderFormat f : t.placeholders()) {
                        if (f.credential().equals(original)) {
                            return Optional.of(f.withCredential(credential));
                        }
                    }
                }
            }
        }
        for (ServiceTemplate t : TEMPLATES) {
            for (PlaceholderFormat f : t.placeholders()) {
                if (f.credential().equals(credential)) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }

    private static String tenantWord(ServiceTemplate t) {
        String suffix = java.util.Objects.requireNonNull(t.hostSuffix());
        return switch (suffix) {
            case ".supabase.co" -> "project";
            case ".myshopify.com" -> "shop";
            case ".atlassian.net" -> "site";
            case ".zendesk.com" -> "subdomain";
            case ".freshdesk.com" -> "helpdesk";
            default -> "resource";
        };
    }

    private static Map<String, ServiceTemplate> index(List<ServiceTemplate> templates) {
        Map<String, ServiceTemplate> m = new LinkedHashMap<>();
        for (ServiceTemplate t : templates) {
            m.put(t.name(), t);
        }
        return Collections.unmodifiableMap(m);
    }

    // ---- the catalog ------------------------------------------------------------------------

    private static List<ServiceTemplate> build() {
        List<ServiceTemplate> t = new ArrayList<>();
        // AI model APIs
        t.add(bearer("openai", "OpenAI API", "api.openai.com", "OPENAI_API_KEY", fill("sk-proj-", 164, "OPENAI_API_KEY")));
        t.add(header("anthropic", "Anthropic API (Claude)", "api.anthropic.com", "x-api-key", "ANTHROPIC_API_KEY",
                fill("sk-ant-api03-", 106, "ANTHROPIC_API_KEY") + "AA"));
        t.add(header("gemini", "Google Gemini API", "generativelanguage.googleapis.com", "x-goog-api-key",
                "GEMINI_API_KEY", fill("AIza", 39, "GEMINI_API_KEY")));
        t.add(bearer("mistral", "Mistral AI API", "api.mistral.ai", "MISTRAL_API_KEY", fill("", 32, "MISTRAL_API_KEY")));
        t.add(bearer("groq", "Groq API", "api.groq.com", "GROQ_API_KEY", fill("gsk_", 56, "GROQ_API_KEY")));
        t.add(bearer("openrouter", "OpenRouter API", "openrouter.ai", "OPENROUTER_API_KEY",
                hex("sk-or-v1-", 73, "OPENROUTER_API_KEY")));
        t.add(bearer("deepseek", "DeepSeek API", "api.deepseek.com", "DEEPSEEK_API_KEY", hex("sk-", 35, "DEEPSEEK_API_KEY")));
        t.add(bearer("together", "Together AI API", "api.together.xyz", "TOGETHER_API_KEY", hex("", 64, "TOGETHER_API_KEY")));
        t.add(bearer("cohere", "Cohere API", "api.cohere.com", "COHERE_API_KEY", fill("", 40, "COHERE_API_KEY")));
        t.add(bearer("replicate", "Replicate API", "api.replicate.com", "REPLICATE_API_TOKEN",
                fill("r8_", 40, "REPLICATE_API_TOKEN")));
        t.add(bearer("xai", "xAI API (Grok)", "api.x.ai", "XAI_API_KEY", fill("xai-", 84, "XAI_API_KEY")));
        t.add(bearer("perplexity", "Perplexity API", "api.perplexity.ai", "PERPLEXITY_API_KEY",
                fill("pplx-", 53, "PERPLEXITY_API_KEY")));
        t.add(bearer("huggingface", "Hugging Face Hub", "huggingface.co", "HF_TOKEN", fill("hf_", 37, "HF_TOKEN")));
        t.add(header("elevenlabs", "ElevenLabs API", "api.elevenlabs.io", "xi-api-key", "ELEVENLABS_API_KEY",
                hex("sk_", 51, "ELEVENLABS_API_KEY")));
        t.add(header("brave-search", "Brave Search API", "api.search.brave.com", "X-Subscription-Token",
                "BRAVE_API_KEY", fill("BSA", 31, "BRAVE_API_KEY")));

        // code hosting and package registries
        String github = fill("ghp_", 40, "GITHUB_TOKEN");
        t.add(template("github", "GitHub REST and GraphQL API",
                service("github", "api.github.com", "GitHub REST and GraphQL API",
                        Injection.Headers.of("Authorization", "Bearer {GITHUB_TOKEN}")),
                placeholder("GITHUB_TOKEN", github)));
        t.add(template("github-git", "git over HTTPS to github.com (clone, fetch, push)",
                new ServiceDefinition("github-git", "github.com", List.of("/**"), List.of(), true, false,
                        "git over HTTPS to github.com (clone, fetch, push)",
                        Injection.Basic.withLiteralUser("x-access-token", "GITHUB_TOKEN")),
                placeholder("GITHUB_TOKEN", github)));
        t.add(header("gitlab", "GitLab.com REST API", "gitlab.com", "PRIVATE-TOKEN", "GITLAB_TOKEN",
                fill("glpat-", 26, "GITLAB_TOKEN")));
        t.add(bearer("npm", "npm registry (publish, private packages)", "registry.npmjs.org", "NPM_TOKEN",
                fill("npm_", 40, "NPM_TOKEN")));
        t.add(template("pypi", "PyPI uploads (twine, uv publish) with an API token",
                service("pypi", "upload.pypi.org", "PyPI uploads (twine, uv publish) with an API token",
                        Injection.Basic.withLiteralUser("__token__", "PYPI_TOKEN")),
                placeholder("PYPI_TOKEN", fill("pypi-AgEIcHlwaS5vcmc", 180, "PYPI_TOKEN"))));

        // SaaS APIs
        t.add(bearer("slack", "Slack Web API (bot token)", "slack.com", "SLACK_BOT_TOKEN",
                "xoxb-0000000000-0000000000000-" + fill("", 24, "SLACK_BOT_TOKEN")));
        t.add(bearer("stripe", "Stripe API", "api.stripe.com", "STRIPE_SECRET_KEY",
                fill("sk_live_", 107, "STRIPE_SECRET_KEY")));
        t.add(template("linear", "Linear GraphQL API (personal API key, sent without a scheme)",
                service("linear", "api.linear.app", "Linear GraphQL API (personal API key, sent without a scheme)",
                        Injection.Headers.of("Authorization", "{LINEAR_API_KEY}")),
                placeholder("LINEAR_API_KEY", fill("lin_api_", 48, "LINEAR_API_KEY"))));
        t.add(bearer("notion", "Notion API (the client sends its own Notion-Version)", "api.notion.com",
                "NOTION_TOKEN", fill("ntn_", 50, "NOTION_TOKEN")));
        t.add(bearer("sentry", "Sentry API", "sentry.io", "SENTRY_AUTH_TOKEN", hex("sntryu_", 71, "SENTRY_AUTH_TOKEN")));
        t.add(template("datadog", "Datadog API (US1 site)",
                service("datadog", "api.datadoghq.com", "Datadog API (US1 site)", new Injection.Headers(List.of(
                        new HeaderTemplate("DD-API-KEY", "{DD_API_KEY}"),
                        new HeaderTemplate("DD-APPLICATION-KEY", "{DD_APP_KEY}")))),
                placeholder("DD_API_KEY", hex("", 32, "DD_API_KEY")),
                placeholder("DD_APP_KEY", hex("", 40, "DD_APP_KEY"))));
        t.add(bearer("cloudflare", "Cloudflare API (API token)", "api.cloudflare.com", "CLOUDFLARE_API_TOKEN",
                fill("", 40, "CLOUDFLARE_API_TOKEN")));
        // the bot token is part of the URL path (/bot<token>/getMe); the placeholder has the token's shape
        String telegram = "0000000000:AAKeywayPlaceholderTelegramBotToken";
        t.add(template("telegram", "Telegram Bot API (token in the URL path: /bot<token>/method)",
                service("telegram", "api.telegram.org", "Telegram Bot API (token in the URL path: /bot<token>/method)",
                        new Injection.Substitute(telegram, "TELEGRAM_BOT_TOKEN", EnumSet.of(Surface.PATH))),
                placeholder("TELEGRAM_BOT_TOKEN", telegram)));

        // more model APIs, gateways and agent tools (header conventions from each vendor's API reference)
        t.add(perTenant("azure-openai", "Azure OpenAI (your resource: --host <resource>.openai.azure.com; api-key header)",
                service("azure-openai", "your-resource.openai.azure.com",
                        "Azure OpenAI (your resource: --host <resource>.openai.azure.com; api-key header)",
                        Injection.Headers.of("api-key", "{AZURE_OPENAI_API_KEY}")),
                ".openai.azure.com", placeholder("AZURE_OPENAI_API_KEY", hex("", 32, "AZURE_OPENAI_API_KEY"))));
        t.add(header("vertex-express", "Vertex AI in express mode (API key)", "aiplatform.googleapis.com",
                "x-goog-api-key", "GOOGLE_API_KEY", fill("AIza", 39, "GOOGLE_API_KEY")));
        t.add(template("bedrock-api-key", "Amazon Bedrock runtime with a Bedrock API key (us-east-1; set --host for another region)",
                service("bedrock-api-key", "bedrock-runtime.us-east-1.amazonaws.com",
                        "Amazon Bedrock runtime with a Bedrock API key (us-east-1; set --host for another region)",
                        new Injection.Bearer("AWS_BEARER_TOKEN_BEDROCK")),
                placeholder("AWS_BEARER_TOKEN_BEDROCK", fill("ABSK", 132, "AWS_BEARER_TOKEN_BEDROCK"))));
        t.add(bearer("fireworks", "Fireworks AI API", "api.fireworks.ai", "FIREWORKS_API_KEY",
                fill("fw_", 27, "FIREWORKS_API_KEY")));
        t.add(bearer("voyage", "Voyage AI embeddings API", "api.voyageai.com", "VOYAGE_API_KEY",
                fill("pa-", 46, "VOYAGE_API_KEY")));
        t.add(bearer("tavily", "Tavily search API", "api.tavily.com", "TAVILY_API_KEY", fill("tvly-", 37, "TAVILY_API_KEY")));
        t.add(header("exa", "Exa search API", "api.exa.ai", "x-api-key", "EXA_API_KEY", uuid("EXA_API_KEY")));
        t.add(header("serper", "Serper Google search API", "google.serper.dev", "X-API-KEY", "SERPER_API_KEY",
                hex("", 40, "SERPER_API_KEY")));
        t.add(bearer("jina", "Jina AI APIs (api., r. and s.jina.ai)", "*.jina.ai", "JINA_API_KEY",
                fill("jina_", 65, "JINA_API_KEY")));
        t.add(bearer("cerebras", "Cerebras inference API", "api.cerebras.ai", "CEREBRAS_API_KEY",
                fill("csk-", 52, "CEREBRAS_API_KEY")));
        t.add(bearer("nvidia", "NVIDIA NIM API catalog", "integrate.api.nvidia.com", "NVIDIA_API_KEY",
                fill("nvapi-", 70, "NVIDIA_API_KEY")));
        t.add(bearer("stability", "Stability AI API", "api.stability.ai", "STABILITY_API_KEY",
                fill("sk-", 51, "STABILITY_API_KEY")));
        t.add(template("fal", "fal.ai model API (Authorization: Key <key>)",
                service("fal", "fal.run", "fal.ai model API (Authorization: Key <key>)",
                        Injection.Headers.of("Authorization", "Key {FAL_KEY}")),
                placeholder("FAL_KEY", uuid("FAL_KEY") + ":" + hex("", 32, "FAL_KEY"))));
        t.add(template("assemblyai", "AssemblyAI speech-to-text API (key sent without a scheme)",
                service("assemblyai", "api.assemblyai.com", "AssemblyAI speech-to-text API (key sent without a scheme)",
                        Injection.Headers.of("Authorization", "{ASSEMBLYAI_API_KEY}")),
                placeholder("ASSEMBLYAI_API_KEY", hex("", 32, "ASSEMBLYAI_API_KEY"))));
        t.add(template("deepgram", "Deepgram speech API (Authorization: Token <key>)",
                service("deepgram", "api.deepgram.com", "Deepgram speech API (Authorization: Token <key>)",
                        Injection.Headers.of("Authorization", "Token {DEEPGRAM_API_KEY}")),
                placeholder("DEEPGRAM_API_KEY", hex("", 40, "DEEPGRAM_API_KEY"))));
        t.add(header("langsmith", "LangSmith tracing API", "api.smith.langchain.com", "x-api-key", "LANGSMITH_API_KEY",
                hex("lsv2_pt_", 40, "LANGSMITH_API_KEY") + "_" + hex("", 10, "LANGSMITH_API_KEY")));
        t.add(template("langfuse", "Langfuse tracing API (EU cloud; Basic public key : secret key)",
                service("langfuse", "cloud.langfuse.com", "Langfuse tracing API (EU cloud; Basic public key : secret key)",
                        Injection.Basic.withUserCredential("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY")),
                placeholder("LANGFUSE_PUBLIC_KEY", "pk-lf-" + uuid("LANGFUSE_PUBLIC_KEY")),
                placeholder("LANGFUSE_SECRET_KEY", "sk-lf-" + uuid("LANGFUSE_SECRET_KEY"))));
        t.add(bearer("firecrawl", "Firecrawl web scraping API", "api.firecrawl.dev", "FIRECRAWL_API_KEY",
                hex("fc-", 35, "FIRECRAWL_API_KEY")));
        t.add(header("browserbase", "Browserbase headless browser API", "api.browserbase.com", "X-BB-API-Key",
                "BROWSERBASE_API_KEY", fill("bb_live_", 35, "BROWSERBASE_API_KEY")));
        t.add(header("e2b", "E2B sandbox API", "api.e2b.dev", "X-API-Key", "E2B_API_KEY", hex("e2b_", 44, "E2B_API_KEY")));
        t.add(header("pinecone", "Pinecone control plane API", "api.pinecone.io", "Api-Key", "PINECONE_API_KEY",
                fill("pcsk_", 75, "PINECONE_API_KEY")));

        // developer platforms
        t.add(bearer("bitbucket", "Bitbucket Cloud REST API (access token)", "api.bitbucket.org", "BITBUCKET_TOKEN",
                fill("ATCTT3xFfGN0", 104, "BITBUCKET_TOKEN")));
        String atlassianToken = fill("ATATT3xFfGF0", 192, "ATLASSIAN_API_TOKEN");
        String atlassianEmail = "keyway-placeholder@example.com";
        // Basic e-mail:API-token written as a composite value (the form Atlassian documents), with the
        // credential names Jira tools read (JIRA_EMAIL, JIRA_TOKEN)
        t.add(perTenant("jira", "Jira Cloud REST API (your site: --host <site>.atlassian.net; Basic e-mail : API token)",
                new ServiceDefinition("jira", "your-site.atlassian.net", List.of("/rest/api/**", "/rest/agile/**"), List.of(),
                        true, false, "Jira Cloud REST API (your site: --host <site>.atlassian.net; Basic e-mail : API token)",
                        Injection.Headers.of("Authorization", "Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}")),
                ".atlassian.net", placeholder("JIRA_EMAIL", "keyway-jira-placeholder@example.com"),
                placeholder("JIRA_TOKEN", fill("ATATT3xFfGF0", 192, "JIRA_TOKEN"))));
        t.add(perTenant("confluence", "Confluence Cloud REST API (your site: --host <site>.atlassian.net; Basic e-mail : API token)",
                new ServiceDefinition("confluence", "your-site.atlassian.net", List.of("/wiki/**"), List.of(), true, false,
                        "Confluence Cloud REST API (your site: --host <site>.atlassian.net; Basic e-mail : API token)",
                        Injection.Basic.withUserCredential("ATLASSIAN_EMAIL", "ATLASSIAN_API_TOKEN")),
                ".atlassian.net", placeholder("ATLASSIAN_EMAIL", atlassianEmail),
                placeholder("ATLASSIAN_API_TOKEN", atlassianToken)));
        // Zendesk API tokens authenticate as Basic "<e-mail>/token:<token>", Freshdesk as Basic
        // "<api key>:X": a user name with a suffix, a fixed password; neither fits plain basic injection
        t.add(perTenant("zendesk", "Zendesk Support API (your subdomain: --host <subdomain>.zendesk.com; Basic e-mail/token : API token)",
                service("zendesk", "your-subdomain.zendesk.com",
                        "Zendesk Support API (your subdomain: --host <subdomain>.zendesk.com; Basic e-mail/token : API token)",
                        Injection.Headers.of("Authorization", "Basic {base64(ZENDESK_EMAIL + \"/token:\" + ZENDESK_API_TOKEN)}")),
                ".zendesk.com", placeholder("ZENDESK_EMAIL", "keyway-zendesk-placeholder@example.com"),
                placeholder("ZENDESK_API_TOKEN", fill("", 40, "ZENDESK_API_TOKEN"))));
        t.add(perTenant("freshdesk", "Freshdesk API (your helpdesk: --host <domain>.freshdesk.com; Basic API key : X)",
                service("freshdesk", "your-domain.freshdesk.com",
                        "Freshdesk API (your helpdesk: --host <domain>.freshdesk.com; Basic API key : X)",
                        Injection.Headers.of("Authorization", "Basic {base64(FRESHDESK_API_KEY + \":X\")}")),
                ".freshdesk.com", placeholder("FRESHDESK_API_KEY", fill("", 20, "FRESHDESK_API_KEY"))));
        t.add(perTenant("supabase", "Supabase project API (your project: --host <ref>.supabase.co; apikey and Authorization)",
                service("supabase", "your-project-ref.supabase.co",
                        "Supabase project API (your project: --host <ref>.supabase.co; apikey and Authorization)",
                        new Injection.Headers(List.of(new HeaderTemplate("apikey", "{SUPABASE_SERVICE_ROLE_KEY}"),
                                new HeaderTemplate("Authorization", "Bearer {SUPABASE_SERVICE_ROLE_KEY}")))),
                ".supabase.co", placeholder("SUPABASE_SERVICE_ROLE_KEY", jwt("SUPABASE_SERVICE_ROLE_KEY"))));
        t.add(perTenant("shopify", "Shopify Admin API (your shop: --host <shop>.myshopify.com)",
                service("shopify", "your-shop.myshopify.com", "Shopify Admin API (your shop: --host <shop>.myshopify.com)",
                        Injection.Headers.of("X-Shopify-Access-Token", "{SHOPIFY_ACCESS_TOKEN}")),
                ".myshopify.com", placeholder("SHOPIFY_ACCESS_TOKEN", hex("shpat_", 38, "SHOPIFY_ACCESS_TOKEN"))));
        t.add(bearer("vercel", "Vercel REST API", "api.vercel.com", "VERCEL_TOKEN", fill("", 24, "VERCEL_TOKEN")));
        t.add(bearer("netlify", "Netlify API", "api.netlify.com", "NETLIFY_AUTH_TOKEN", fill("nfp_", 40, "NETLIFY_AUTH_TOKEN")));
        t.add(bearer("fly", "Fly.io Machines API", "api.machines.dev", "FLY_API_TOKEN", fill("fm2_", 120, "FLY_API_TOKEN")));
        t.add(bearer("render", "Render API", "api.render.com", "RENDER_API_KEY", fill("rnd_", 36, "RENDER_API_KEY")));
        t.add(bearer("digitalocean", "DigitalOcean API", "api.digitalocean.com", "DIGITALOCEAN_TOKEN",
                hex("dop_v1_", 71, "DIGITALOCEAN_TOKEN")));
        t.add(bearer("heroku", "Heroku Platform API (the client sends its own Accept version header)", "api.heroku.com",
                "HEROKU_API_KEY", uuid("HEROKU_API_KEY")));
        t.add(template("dockerhub", "Docker Hub registry login (auth.docker.io; Basic user : personal access token)",
                service("dockerhub", "auth.docker.io", "Docker Hub registry login (auth.docker.io; Basic user : personal access token)",
                        Injection.Basic.withUserCredential("DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN")),
                placeholder("DOCKERHUB_USERNAME", "keyway-placeholder-user"),
                placeholder("DOCKERHUB_TOKEN", fill("dckr_pat_", 36, "DOCKERHUB_TOKEN"))));
        t.add(template("crates-io", "crates.io publish API (token sent without a scheme, as cargo does)",
                service("crates-io", "crates.io", "crates.io publish API (token sent without a scheme, as cargo does)",
                        Injection.Headers.of("Authorization", "{CARGO_REGISTRY_TOKEN}")),
                placeholder("CARGO_REGISTRY_TOKEN", fill("cio", 35, "CARGO_REGISTRY_TOKEN"))));
        t.add(header("circleci", "CircleCI API v2", "circleci.com", "Circle-Token", "CIRCLE_TOKEN",
                fill("CCIPAT_", 60, "CIRCLE_TOKEN")));
        t.add(header("figma", "Figma REST API", "api.figma.com", "X-Figma-Token", "FIGMA_TOKEN", fill("figd_", 45, "FIGMA_TOKEN")));
        t.add(bearer("neon", "Neon Postgres API", "console.neon.tech", "NEON_API_KEY", fill("napi_", 69, "NEON_API_KEY")));

        // business and messaging APIs
        t.add(template("pagerduty", "PagerDuty REST API (Authorization: Token token=<key>)",
                service("pagerduty", "api.pagerduty.com", "PagerDuty REST API (Authorization: Token token=<key>)",
                        Injection.Headers.of("Authorization", "Token token={PAGERDUTY_API_KEY}")),
                placeholder("PAGERDUTY_API_KEY", fill("u+", 20, "PAGERDUTY_API_KEY"))));
        t.add(bearer("airtable", "Airtable Web API (personal access token)", "api.airtable.com", "AIRTABLE_API_KEY",
                fill("pat", 17, "AIRTABLE_API_KEY") + "." + hex("", 64, "AIRTABLE_API_KEY")));
        t.add(template("discord", "Discord bot API (Authorization: Bot <token>)",
                new ServiceDefinition("discord", "discord.com", List.of("/api/**"), List.of(), true, false,
                        "Discord bot API (Authorization: Bot <token>)",
                        Injection.Headers.of("Authorization", "Bot {DISCORD_BOT_TOKEN}")),
                placeholder("DISCORD_BOT_TOKEN", "MTAwMDAwMDAwMDAwMDAwMDAw." + fill("", 6, "DISCORD_BOT_TOKEN") + "."
                        + fill("", 38, "DISCORD_BOT_TOKEN"))));
        t.add(template("twilio", "Twilio REST API (Basic account SID : auth token)",
                service("twilio", "api.twilio.com", "Twilio REST API (Basic account SID : auth token)",
                        Injection.Basic.withUserCredential("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")),
                placeholder("TWILIO_ACCOUNT_SID", hex("AC", 34, "TWILIO_ACCOUNT_SID")),
                placeholder("TWILIO_AUTH_TOKEN", hex("", 32, "TWILIO_AUTH_TOKEN"))));
        t.add(bearer("sendgrid", "SendGrid mail API", "api.sendgrid.com", "SENDGRID_API_KEY",
                fill("SG.", 25, "SENDGRID_API_KEY") + "." + fill("", 43, "SENDGRID_API_KEY")));
        t.add(header("postmark", "Postmark email API (server token)", "api.postmarkapp.com", "X-Postmark-Server-Token",
                "POSTMARK_SERVER_TOKEN", uuid("POSTMARK_SERVER_TOKEN")));
        t.add(bearer("resend", "Resend email API", "api.resend.com", "RESEND_API_KEY", fill("re_", 36, "RESEND_API_KEY")));
        t.add(template("mailgun", "Mailgun API (US region; Basic api : key)",
                service("mailgun", "api.mailgun.net", "Mailgun API (US region; Basic api : key)",
                        Injection.Basic.withLiteralUser("api", "MAILGUN_API_KEY")),
                placeholder("MAILGUN_API_KEY", hex("", 32, "MAILGUN_API_KEY") + "-" + hex("", 8, "MAILGUN_API_KEY") + "-"
                        + hex("", 8, "MAILGUN_API_KEY"))));
        t.add(template("mapbox", "Mapbox APIs (access_token query parameter)",
                service("mapbox", "api.mapbox.com", "Mapbox APIs (access_token query parameter)",
                        new Injection.Query("access_token", "MAPBOX_ACCESS_TOKEN")),
                placeholder("MAPBOX_ACCESS_TOKEN", "pk." + jwtPart("{\"u\":\"keyway-placeholder\"}") + "."
                        + fill("", 22, "MAPBOX_ACCESS_TOKEN"))));

        // signed APIs: the key stays in Keyway, which signs each request (Injection.Hmac, Injection.Jwt)
        // Binance spot: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type
        t.add(template("binance", "Binance spot API (HMAC-SHA256 signature= over query + body; X-MBX-APIKEY)",
                service("binance", "api.binance.com", "Binance spot API (HMAC-SHA256 signature= over query + body; X-MBX-APIKEY)",
                        new Injection.Hmac("BINANCE_SECRET_KEY", dev.keyway.core.sign.Hmacs.KeyEncoding.RAW,
                                dev.keyway.core.sign.Hmacs.Algorithm.SHA256, "{query}{body}", null, "signature",
                                dev.keyway.core.sign.Hmacs.Encoding.HEX, dev.keyway.core.sign.TimestampUnit.MS, null,
                                "timestamp", null, List.of(new HeaderTemplate("X-MBX-APIKEY", "{BINANCE_API_KEY}")))),
                placeholder("BINANCE_API_KEY", fill("", 64, "BINANCE_API_KEY")),
                placeholder("BINANCE_SECRET_KEY", fill("", 64, "BINANCE_SECRET_KEY"))));
        // Coinbase Exchange: https://docs.cdp.coinbase.com/exchange/rest-api/authentication
        t.add(template("coinbase-exchange", "Coinbase Exchange API (CB-ACCESS-SIGN: base64 HMAC-SHA256, base64 secret)",
                service("coinbase-exchange", "api.exchange.coinbase.com",
                        "Coinbase Exchange API (CB-ACCESS-SIGN: base64 HMAC-SHA256, base64 secret)",
                        new Injection.Hmac("COINBASE_EXCHANGE_SECRET", dev.keyway.core.sign.Hmacs.KeyEncoding.BASE64,
                                dev.keyway.core.sign.Hmacs.Algorithm.SHA256, "{timestamp}{method}{path_query}{body}",
                                "CB-ACCESS-SIGN", null, dev.keyway.core.sign.Hmacs.Encoding.BASE64,
                                dev.keyway.core.sign.TimestampUnit.S, "CB-ACCESS-TIMESTAMP", null, null, List.of(
                                        new HeaderTemplate("CB-ACCESS-KEY", "{COINBASE_EXCHANGE_KEY}"),
                                        new HeaderTemplate("CB-ACCESS-PASSPHRASE", "{COINBASE_EXCHANGE_PASSPHRASE}")))),
                placeholder("COINBASE_EXCHANGE_KEY", hex("", 32, "COINBASE_EXCHANGE_KEY")),
                placeholder("COINBASE_EXCHANGE_SECRET", fill("", 86, "COINBASE_EXCHANGE_SECRET") + "=="),
                placeholder("COINBASE_EXCHANGE_PASSPHRASE", fill("", 16, "COINBASE_EXCHANGE_PASSPHRASE"))));
        // Coinbase CDP keys (Advanced Trade, App): https://docs.cdp.coinbase.com/coinbase-app/authentication-authorization/api-key-authentication
        t.add(template("coinbase-cdp", "Coinbase APIs with a CDP key (ES256 JWT per request, uri claim)",
                service("coinbase-cdp", "api.coinbase.com", "Coinbase APIs with a CDP key (ES256 JWT per request, uri claim)",
                        new Injection.Jwt("COINBASE_CDP_PRIVATE_KEY", dev.keyway.core.sign.Jwts.Algorithm.ES256,
                                "{COINBASE_CDP_KEY_NAME}", cdpClaims(), Injection.Jwt.DEFAULT_LIFETIME, true, true)),
                placeholder("COINBASE_CDP_KEY_NAME", "organizations/" + uuid("COINBASE_CDP_KEY_NAME") + "/apiKeys/"
                        + uuid("COINBASE_CDP_KEY_NAME")),
                placeholder("COINBASE_CDP_PRIVATE_KEY", fill("", 64, "COINBASE_CDP_PRIVATE_KEY"))));

        t.sort(Comparator.comparing(ServiceTemplate::name));
        return List.copyOf(t);
    }

    /** Coinbase's CDP claims: issuer {@code cdp}, the key name as subject, and the request as {@code uri}. */
    private static Map<String, String> cdpClaims() {
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put("iss", "cdp");
        claims.put("sub", "{COINBASE_CDP_KEY_NAME}");
        claims.put("uri", "{method} {host}{path}");
        return claims;
    }

    private static ServiceDefinition service(String name, String host, String description, Injection injection) {
        return new ServiceDefinition(name, host, List.of(), List.of(), true, false, description, injection);
    }

    private static PlaceholderFormat placeholder(String credential, String value) {
        return new PlaceholderFormat(credential, credential, value);
    }

    private static ServiceTemplate bearer(String name, String description, String host, String credential, String ph) {
        return template(name, description, service(name, host, description, new Injection.Bearer(credential)),
                placeholder(credential, ph));
    }

    /** A service that sends the credential as the whole value of one header. */
    private static ServiceTemplate header(
            String name, String description, String host, String header, String credential, String ph) {
        return template(name, description,
                service(name, host, description, Injection.Headers.of(header, "{" + credential + "}")),
                placeholder(credential, ph));
    }

    private static ServiceTemplate template(
            String name, String description, ServiceDefinition d, PlaceholderFormat... placeholders) {
        return new ServiceTemplate(name, description, d, List.of(placeholders));
    }

    /** A template for an API with one host per customer; {@code d}'s host is an example. */
    private static ServiceTemplate perTenant(
            String name, String description, ServiceDefinition d, String hostSuffix, PlaceholderFormat... placeholders) {
        return new ServiceTemplate(name, description, d, List.of(placeholders), hostSuffix);
    }

    /** A JWT-shaped placeholder (header.payload.signature, base64url), for APIs whose keys are JWTs. */
    private static String jwt(String credential) {
        return jwtPart("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "."
                + jwtPart("{\"iss\":\"keyway-placeholder\",\"role\":\"service_role\"}") + "." + fill("", 43, credential);
    }

    /**
     * {@code prefix} followed by alphanumeric filler up to {@code length} characters: "Keyway",
     * "Placeholder" and the credential name without underscores, so it is recognisable and
     * distinct per credential.
     */
    private static String fill(String prefix, int length, String credential) {
        return pad(prefix, length, "KeywayPlaceholder" + credential.replace("_", "") + "0");
    }

    /**
     * {@code prefix} followed by lower-case hex up to {@code length} characters: the hex of
     * "keyway-" and the credential name, so it is recognisable and distinct per credential.
     */
    private static String hex(String prefix, int length, String credential) {
        return pad(prefix, length, HexFormat.of().formatHex(
                ("keyway-" + credential + "-").getBytes(StandardCharsets.US_ASCII)));
    }

    /** A version-4-shaped UUID made of {@link #hex} digits, for APIs whose keys are UUIDs. */
    private static String uuid(String credential) {
        String h = hex("", 32, credential);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-4" + h.substring(13, 16) + "-8" + h.substring(17, 20) + "-"
                + h.substring(20, 32);
    }

    private static String jwtPart(String json) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String pad(String prefix, int length, String filler) {
        StringBuilder sb = new StringBuilder(prefix);
        int i = 0;
        while (sb.length() < length) {
            sb.append(filler.charAt(i++ % filler.length()));
        }
        return sb.toString();
    }
}
