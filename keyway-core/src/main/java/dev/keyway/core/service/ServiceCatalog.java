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
        ServiceValidator.validate(d);
        return d;
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

        t.sort(Comparator.comparing(ServiceTemplate::name));
        return List.copyOf(t);
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

    private static String pad(String prefix, int length, String filler) {
        StringBuilder sb = new StringBuilder(prefix);
        int i = 0;
        while (sb.length() < length) {
            sb.append(filler.charAt(i++ % filler.length()));
        }
        return sb.toString();
    }
}
