package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The records are the services.yaml / JSON wire format. */
class ServiceYamlTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<List<ServiceDefinition>> LIST = new TypeReference<>() {};

    static final String EXAMPLE = """
            - name: github
              host: api.github.com
              methods: [GET, POST]
              paths: ["/repos/**"]
              inject: { header: { Authorization: "token {GITHUB_TOKEN}" } }
            - name: openai
              host: api.openai.com
              inject: { bearer: OPENAI_API_KEY }
            - name: git
              host: github.com
              inject: { basic: { username: GITHUB_USER, password: GITHUB_TOKEN } }
            - name: git-token
              host: gitlab.com
              inject: { basic: { username_literal: x-access-token, password: GITHUB_TOKEN } }
            - name: gemini
              host: generativelanguage.googleapis.com
              inject: { query: { key: GEMINI_API_KEY } }
            - name: anthropic
              host: api.anthropic.com
              inject: { substitute: { placeholder: "__ANTHROPIC_API_KEY__", credential: ANTHROPIC_API_KEY, in: [header, body] } }
            - name: telegram
              host: api.telegram.org
              inject: { substitute: { placeholder: "__TELEGRAM__", credential: TELEGRAM_BOT_TOKEN } }
            - name: pypi
              host: pypi.org
              enabled: false
              allow_private: false
              description: package index
              inject: none
            """;

    @Test
    void parsesTheDocumentedExample() {
        List<ServiceDefinition> services = YAML.readValue(EXAMPLE, LIST);
        assertThat(services).extracting(ServiceDefinition::name)
                .containsExactly("github", "openai", "git", "git-token", "gemini", "anthropic", "telegram", "pypi");
        ServiceValidator.validateVault(services);

        ServiceDefinition github = services.get(0);
        assertThat(github.host()).isEqualTo("api.github.com");
        assertThat(github.methods()).containsExactly("GET", "POST");
        assertThat(github.paths()).containsExactly("/repos/**");
        assertThat(github.enabled()).isTrue();
        assertThat(github.allowPrivate()).isFalse();
        assertThat(github.description()).isNull();
        assertThat(github.injection()).isEqualTo(Injection.Headers.of("Authorization", "token {GITHUB_TOKEN}"));

        assertThat(services.get(1).injection()).isEqualTo(new Injection.Bearer("OPENAI_API_KEY"));
        assertThat(services.get(1).methods()).isEmpty();
        assertThat(services.get(1).paths()).isEmpty();
        assertThat(services.get(2).injection())
                .isEqualTo(Injection.Basic.withUserCredential("GITHUB_USER", "GITHUB_TOKEN"));
        assertThat(services.get(3).injection())
                .isEqualTo(Injection.Basic.withLiteralUser("x-access-token", "GITHUB_TOKEN"));
        assertThat(services.get(4).injection()).isEqualTo(new Injection.Query("key", "GEMINI_API_KEY"));
        assertThat(services.get(5).injection()).isEqualTo(new Injection.Substitute(
                "__ANTHROPIC_API_KEY__", "ANTHROPIC_API_KEY", EnumSet.of(Surface.HEADER, Surface.BODY)));
        assertThat(((Injection.Substitute) services.get(6).injection()).surfaces())
                .isEqualTo(Injection.Substitute.DEFAULT_SURFACES);
        ServiceDefinition pypi = services.get(7);
        assertThat(pypi.injection()).isEqualTo(new Injection.None());
        assertThat(pypi.enabled()).isFalse();
        assertThat(pypi.description()).isEqualTo("package index");
    }

    @Test
    void roundTripsThroughJsonAndYaml() {
        List<ServiceDefinition> services = YAML.readValue(EXAMPLE, LIST);
        String json = JSON.writeValueAsString(services);
        assertThat(json).contains("\"inject\":{\"bearer\":\"OPENAI_API_KEY\"}", "\"allow_private\":false",
                "\"inject\":\"none\"", "\"username_literal\":\"x-access-token\"");
        assertThat(JSON.readValue(json, LIST)).isEqualTo(services);
        assertThat(YAML.readValue(YAML.writeValueAsString(services), LIST)).isEqualTo(services);
    }

    @Test
    void allowPlaintextIsReadAndWrittenOnlyWhenSet() {
        List<ServiceDefinition> services = YAML.readValue("""
                - {name: local, host: "localhost:8080", allow_private: true, allow_plaintext: true, inject: {bearer: K}}
                - {name: remote, host: api.example.com, inject: {bearer: K}}
                """, LIST);
        assertThat(services.get(0).allowPlaintext()).isTrue();
        assertThat(services.get(1).allowPlaintext()).isFalse();
        assertThat(JSON.writeValueAsString(services.get(0))).contains("\"allow_plaintext\":true");
        assertThat(JSON.writeValueAsString(services.get(1))).doesNotContain("allow_plaintext");
        assertThat(JSON.readValue(JSON.writeValueAsString(services), LIST)).isEqualTo(services);
    }

    @Test
    void redactResponsesIsOnByDefaultAndWrittenOnlyWhenOff() {
        List<ServiceDefinition> services = YAML.readValue("""
                - {name: echo, host: api.example.com, redact_responses: false, inject: {bearer: K}}
                - {name: plain, host: api.example.com, inject: {bearer: K}}
                - {name: explicit, host: api.example.com, redact_responses: true, inject: {bearer: K}}
                """, LIST);
        assertThat(services).extracting(ServiceDefinition::redactResponses).containsExactly(false, true, true);
        assertThat(JSON.writeValueAsString(services.get(0))).contains("\"redact_responses\":false");
        assertThat(JSON.writeValueAsString(services.get(1))).doesNotContain("redact_responses");
        assertThat(JSON.writeValueAsString(services.get(2))).doesNotContain("redact_responses");
        assertThat(JSON.readValue(JSON.writeValueAsString(services), LIST)).isEqualTo(services);
        assertThat(YAML.readValue(YAML.writeValueAsString(services), LIST)).isEqualTo(services);
        assertThat(services.get(1).withRedactResponses(false)).isEqualTo(services.get(0).withName("plain"));
    }

    @Test
    void everyCatalogTemplateRoundTrips() {
        List<ServiceDefinition> all = ServiceCatalog.all().stream().map(ServiceTemplate::definition).toList();
        assertThat(JSON.readValue(JSON.writeValueAsString(all), LIST)).isEqualTo(all);
    }

    @Test
    void singleMethodOrPathNeedsNoBrackets() {
        ServiceDefinition s = YAML.readValue("name: a\nhost: a.com\nmethods: GET\npaths: /v1/**\ninject: none\n",
                ServiceDefinition.class);
        assertThat(s.methods()).containsExactly("GET");
        assertThat(s.paths()).containsExactly("/v1/**");
    }

    @Test
    void unknownMembersAreRejectedEvenWhenTheMapperIgnoresThem() {
        // Jackson 3 turned FAIL_ON_UNKNOWN_PROPERTIES off by default; the creator rejects them itself
        JsonMapper lenient = JsonMapper.builder()
                .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        assertThatThrownBy(() -> lenient.readValue(
                        "{\"name\":\"a\",\"host\":\"a.com\",\"inject\":\"none\",\"x\":1,\"y\":2}",
                        ServiceDefinition.class))
                .hasMessageContaining("unknown members 'x', 'y'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            unknown top-level key    | {name: a, host: a.com, inject: none, hosts: x}                      | service 'a': unknown member 'hosts'; expected name, host
            misspelled allow_private | {name: a, host: a.com, inject: none, allowPrivate: true}            | allowPrivate
            unknown injection kind   | {name: a, host: a.com, inject: {oauth: X}}                          | unknown injection kind 'oauth'
            two injection kinds      | {name: a, host: a.com, inject: {bearer: X, query: {k: Y}}}          | exactly one of
            unknown basic member     | {name: a, host: a.com, inject: {basic: {user: U, password: P}}}     | inject.basic: unknown member 'user'
            basic without username   | {name: a, host: a.com, inject: {basic: {password: P}}}              | exactly one of 'username'
            basic both usernames     | {name: a, host: a.com, inject: {basic: {username: U, username_literal: u, password: P}}} | exactly one of 'username'
            basic without password   | {name: a, host: a.com, inject: {basic: {username: U}}}              | inject.basic.password is required
            unknown substitute key   | {name: a, host: a.com, inject: {substitute: {placeholder: abcd, credential: X, on: [body]}}} | unknown member 'on'
            unknown surface          | {name: a, host: a.com, inject: {substitute: {placeholder: abcd, credential: X, in: [cookie]}}} | unknown surface 'cookie'
            query with two params    | {name: a, host: a.com, inject: {query: {a: X, b: Y}}}               | exactly one parameter
            bearer not a string      | {name: a, host: a.com, inject: {bearer: [X]}}                       | inject.bearer must be a credential name
            inject a random word     | {name: a, host: a.com, inject: bearer}                              | is not an injection
            missing inject           | {name: a, host: a.com}                                              | inject is required
            missing host             | {name: a, inject: none}                                             | 'host' is required
            missing name             | {host: a.com, inject: none}                                         | 'name' is required
            """)
    void rejectsBadShapesWithUsefulMessages(String what, String yaml, String expected) {
        assertThatThrownBy(() -> YAML.readValue("[" + yaml + "]", LIST))
                .hasMessageContaining(expected);
    }
}
