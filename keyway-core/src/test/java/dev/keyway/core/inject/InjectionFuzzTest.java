package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.fuzz.FuzzInput;
import dev.keyway.core.fuzz.FuzzReplay;
import dev.keyway.core.service.HostPattern;
import dev.keyway.core.service.Match;
import dev.keyway.core.service.PathGlob;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.VaultMatcher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Fuzz target for match → decide → inject, the core of the proxy's request path, over a fixed vault
 * that uses every injection kind, composite values included. Whatever the target, method, path, headers and credential bytes:
 *
 * <ul>
 *   <li>an allowed match agrees with the service's own host, method and path rules (the matcher never
 *       lets a credential out to a request its service would refuse);
 *   <li>the injected request never carries {@code Proxy-Authorization} and never two copies of an
 *       injected header;
 *   <li>a credential (or a composite value computed from one) with CR, LF or NUL is never placed in a
 *       header (fail closed instead);
 *   <li>a refusal's detail never contains the credential value.
 * </ul>
 */
class InjectionFuzzTest {
    private static final String VAULT = """
            - { name: github, host: api.github.com, methods: [GET, POST], paths: ["/repos/**"],
                inject: { header: { Authorization: "token {GITHUB_TOKEN}" } } }
            - { name: openai, host: api.openai.com, inject: { bearer: OPENAI_API_KEY } }
            - { name: git, host: github.com, inject: { basic: { username: GITHUB_USER, password: GITHUB_TOKEN } } }
            - { name: gemini, host: generativelanguage.googleapis.com, inject: { query: { key: GEMINI_API_KEY } } }
            - { name: anthropic, host: "*.anthropic.com", methods: [POST], paths: ["/v1/*"],
                inject: { substitute: { placeholder: "__ANTHROPIC__", credential: ANTHROPIC_API_KEY, in: [header, body] } } }
            - { name: telegram, host: api.telegram.org, inject: { substitute: { placeholder: "__TG__", credential: TELEGRAM } } }
            - { name: local, host: "localhost:8080", allow_private: true, inject: { bearer: OPENAI_API_KEY } }
            - { name: off, host: disabled.example.com, enabled: false, inject: { bearer: OPENAI_API_KEY } }
            - { name: jira, host: acme.atlassian.net,
                inject: { header: { Authorization: 'Basic {base64(GITHUB_USER + ":" + JIRA_TOKEN)}', X-Raw: '{lower(JIRA_TOKEN) + "-x"}' } } }
            - { name: zendesk, host: acme.zendesk.com,
                inject: { substitute: { placeholder: "__ZD__", credential: '{base64(GITHUB_USER + "/token:" + JIRA_TOKEN)}' } } }
            """;
    private static final List<ServiceDefinition> SERVICES = YAMLMapper.builder().build()
            .readValue(VAULT, new TypeReference<List<ServiceDefinition>>() {});
    private static final VaultMatcher MATCHER = VaultMatcher.compile(SERVICES);
    private static final String[] HOSTS = {"api.github.com", "github.com", "api.openai.com", "x.anthropic.com",
        "api.telegram.org", "localhost", "disabled.example.com", "generativelanguage.googleapis.com", "acme.atlassian.net",
        "acme.zendesk.com"};

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzInput in = FuzzInput.of(data);
        String host = in.intIn(0, 1) == 0 ? HOSTS[in.intIn(0, HOSTS.length - 1)] : in.text(80);
        int port = in.intIn(0, 1) == 0 ? 443 : in.intIn(0, 255) * 257;
        String method = in.latin1(10);
        String target = in.latin1(200);
        byte[] secret = in.bytes(64);
        List<HttpHead.Header> headers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String name = in.latin1(30);
            String value = in.latin1(80);
            // a header the HTTP codec would have refused (line breaks, NUL) never reaches the injector
            if (!name.isEmpty() && value.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                try {
                    headers.add(new HttpHead.Header(name, value));
                } catch (IllegalArgumentException e) {
                    // not a header a codec would have produced
                }
            }
        }
        Optional<Match> match = MATCHER.match(host, port, method, target);
        if (match.isEmpty()) {
            return;
        }
        ServiceDefinition s = match.get().service();
        if (!match.get().allowed()) {
            return;
        }
        String normal = HostPattern.normalizeHost(host);
        assertThat(normal).isNotNull();
        assertThat(HostPattern.parse(s.host()).matches(normal, port)).as("%s for %s:%d", s.name(), host, port).isTrue();
        assertThat(s.enabled()).isTrue();
        assertThat(s.methods().isEmpty() || s.methods().contains(method)).isTrue();
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        assertThat(s.paths().isEmpty() || s.paths().stream().anyMatch(g -> PathGlob.compile(g).matches(path)))
                .as("path %s for %s", path, s.name()).isTrue();

        HttpHead head;
        try {
            head = new HttpHead(method, target, headers);
        } catch (IllegalArgumentException e) {
            return;
        }
        InjectionResult r = Injector.apply(s, head, name -> name.equals("GITHUB_USER")
                ? Optional.of("octocat".getBytes(StandardCharsets.UTF_8)) : Optional.of(secret.clone()));
        String secretText = new String(secret, StandardCharsets.UTF_8);
        switch (r) {
            case InjectionResult.Failed f -> {
                if (secret.length >= 4) {
                    assertThat(f.detail()).doesNotContain(secretText);
                }
            }
            case InjectionResult.Applied a -> {
                for (HttpHead.Header h : a.head().headers()) {
                    assertThat(h.name().toLowerCase(Locale.ROOT)).isNotIn("proxy-authorization", "proxy-connection");
                    if (!headers.contains(h)) { // set by the injector (client headers are the codec's business)
                        assertThat(h.value()).doesNotContain("\r", "\n", "\0");
                    }
                }
                long auth = a.head().headers().stream().filter(h -> h.name().equalsIgnoreCase("authorization")).count();
                if (a.injected() && !s.injection().getClass().getSimpleName().equals("Substitute")
                        && !s.injection().getClass().getSimpleName().equals("Query")) {
                    assertThat(auth).isEqualTo(1);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void replay(String name, Object input) {
        FuzzReplay.run(input, InjectionFuzzTest::fuzzerTestOneInput);
    }

    static Stream<Arguments> inputs() {
        return FuzzReplay.inputs(InjectionFuzzTest.class);
    }
}
