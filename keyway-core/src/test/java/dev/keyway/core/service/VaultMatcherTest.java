package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VaultMatcherTest {

    private static ServiceDefinition svc(String name, String host, List<String> paths, List<String> methods,
            boolean enabled) {
        return new ServiceDefinition(name, host, paths, methods, enabled, false, null, new Injection.None());
    }

    /** Declaration order matters: it is the last tie-breaker. */
    private static final List<ServiceDefinition> SERVICES = List.of(
            svc("exact-any", "api.example.com", List.of(), List.of(), true),
            svc("wild", "*.example.com", List.of(), List.of(), true),
            svc("exact-port", "api.example.com:8443", List.of(), List.of(), true),
            svc("exact-v1", "api.example.com", List.of("/v1/**"), List.of(), true),
            svc("exact-v1-models-get", "api.example.com", List.of("/v1/models/*"), List.of("GET"), true),
            svc("exact-v1-dup", "api.example.com", List.of("/v1/**"), List.of(), true),
            svc("wild-port", "*.example.com:9443", List.of(), List.of(), true),
            svc("off-covered", "off.example.com", List.of(), List.of(), false),
            svc("off", "off.other.org", List.of(), List.of(), false),
            svc("rules", "rules.other.org", List.of("/repos/**", "/user"), List.of("GET", "HEAD"), true),
            svc("deny-a", "deny.other.org", List.of("/a/**"), List.of(), true),
            svc("deny-b-off", "deny.other.org", List.of("/b/**"), List.of(), false),
            svc("deny-c-get", "deny.other.org", List.of("/c/**"), List.of("GET"), true),
            svc("deny-d-off-get", "deny.other.org", List.of("/d/**"), List.of("GET"), false),
            svc("wild-paths", "*.paths.org", List.of("/api/**"), List.of(), true),
            svc("exact-paths", "x.paths.org", List.of("/api/v2/**"), List.of(), true),
            svc("port-only", "port.other.org:8443", List.of(), List.of(), true),
            svc("idn", "bücher.example.org", List.of(), List.of(), true));

    private static final VaultMatcher MATCHER = compile(SERVICES);

    private static VaultMatcher compile(List<ServiceDefinition> services) {
        ServiceValidator.validateVault(services);
        return VaultMatcher.compile(services);
    }

    @ParameterizedTest(name = "{2} {0}:{1}{3} -> {4} {5}")
    @CsvSource(delimiter = '|', textBlock = """
            # host                 | port | method | path                | service             | outcome
            api.example.com        | 443  | GET    | /x                  | exact-any           | ALLOWED
            API.Example.COM.       | 443  | GET    | /x                  | exact-any           | ALLOWED
            api.example.com        | 80   | GET    | /x                  | exact-any           | ALLOWED
            api.example.com        | 8443 | GET    | /x                  | exact-port          | ALLOWED
            api.example.com        | 8443 | GET    | /v1/chat            | exact-port          | ALLOWED
            api.example.com        | 443  | GET    | /v1/chat            | exact-v1            | ALLOWED
            api.example.com        | 443  | GET    | /v1                 | exact-v1            | ALLOWED
            api.example.com        | 443  | GET    | /v1/models/gpt      | exact-v1-models-get | ALLOWED
            api.example.com        | 443  | GET    | /v1/models/gpt?x=1  | exact-v1-models-get | ALLOWED
            api.example.com        | 443  | POST   | /v1/models/gpt      | exact-v1            | ALLOWED
            api.example.com        | 443  | GET    | /v1/models/a/b      | exact-v1            | ALLOWED
            other.example.com      | 443  | GET    | /                   | wild                | ALLOWED
            other.example.com.     | 443  | GET    | /                   | wild                | ALLOWED
            OTHER.EXAMPLE.COM      | 9443 | GET    | /                   | wild-port           | ALLOWED
            a.b.example.com        | 443  | GET    | /                   |                     |
            example.com            | 443  | GET    | /                   |                     |
            example.com.evil.org   | 443  | GET    | /                   |                     |
            apiexample.com         | 443  | GET    | /                   |                     |
            off.example.com        | 443  | GET    | /                   | wild                | ALLOWED
            off.other.org          | 443  | GET    | /anything           | off                 | DISABLED
            rules.other.org        | 443  | GET    | /repos/a/b          | rules               | ALLOWED
            rules.other.org        | 443  | HEAD   | /user               | rules               | ALLOWED
            rules.other.org        | 443  | GET    | /user/              | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | POST   | /repos/a            | rules               | METHOD_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /users              | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /repos/../admin     | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /repos/%2e%2E/admin | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /repos/.%2e/admin   | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /repos/a%2Fb        | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /repos\\x           | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /rep%6fs/x          | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | /REPOS/x            | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | GET    | *                   | rules               | PATH_NOT_ALLOWED
            rules.other.org        | 443  | get    | /repos/a            | rules               | METHOD_NOT_ALLOWED
            deny.other.org         | 443  | GET    | /a/x                | deny-a              | ALLOWED
            deny.other.org         | 443  | GET    | /b/x                | deny-b-off          | DISABLED
            deny.other.org         | 443  | POST   | /c/x                | deny-c-get          | METHOD_NOT_ALLOWED
            deny.other.org         | 443  | POST   | /d/x                | deny-a              | PATH_NOT_ALLOWED
            deny.other.org         | 443  | GET    | /z                  | deny-a              | PATH_NOT_ALLOWED
            deny.other.org         | 443  | GET    | /d/x                | deny-d-off-get      | DISABLED
            x.paths.org            | 443  | GET    | /api/v2/x           | exact-paths         | ALLOWED
            x.paths.org            | 443  | GET    | /api/v1/x           | wild-paths          | ALLOWED
            x.paths.org            | 443  | GET    | /other              | exact-paths         | PATH_NOT_ALLOWED
            y.paths.org            | 443  | GET    | /other              | wild-paths          | PATH_NOT_ALLOWED
            port.other.org         | 443  | GET    | /                   |                     |
            port.other.org         | 8443 | GET    | /                   | port-only           | ALLOWED
            xn--bcher-kva.example.org | 443 | GET  | /                   | idn                 | ALLOWED
            BÜCHER.example.org     | 443  | GET    | /                   | idn                 | ALLOWED
            unknown.org            | 443  | GET    | /                   |                     |
            ""                     | 443  | GET    | /                   |                     |
            [::1]                  | 443  | GET    | /                   |                     |
            """)
    void priorityTable(String host, int port, String method, String path, String service, MatchOutcome outcome) {
        Optional<Match> m = MATCHER.match(host == null ? "" : host, port, method, path);
        // explain's view of the same request: the first candidate is always what match() chose
        List<VaultMatcher.Candidate> candidates = MATCHER.candidates(host == null ? "" : host, port, method, path);
        if (service == null) {
            assertThat(m).isEmpty();
            assertThat(candidates).isEmpty();
            return;
        }
        assertThat(m).isPresent();
        assertThat(m.get().service().name()).isEqualTo(service);
        assertThat(m.get().outcome()).isEqualTo(outcome);
        assertThat(m.get().allowed()).isEqualTo(outcome == MatchOutcome.ALLOWED);
        assertThat(candidates.get(0).service().name()).isEqualTo(service);
        assertThat(candidates.get(0).outcome()).isEqualTo(outcome);
    }

    @ParameterizedTest(name = "{2} {0}:{1}{3}")
    @CsvSource(delimiter = '|', textBlock = """
            # host             | port | method | path            | candidates in order                                      | rule
            api.example.com    | 443  | GET    | /v1/chat        | exact-v1,exact-v1-dup,exact-any,wild,exact-v1-models-get | declaration order ('exact-v1' is declared before 'exact-v1-dup')
            api.example.com    | 443  | GET    | /v1/models/gpt  | exact-v1-models-get,exact-v1,exact-v1-dup,exact-any,wild | the longer literal path prefix (11 characters for 'exact-v1-models-get', 4 for 'exact-v1')
            api.example.com    | 8443 | GET    | /x              | exact-port,exact-any,wild,exact-v1,exact-v1-models-get,exact-v1-dup | a host pattern with a port ('api.example.com:8443') before one without ('api.example.com')
            x.paths.org        | 443  | GET    | /api/v1         | wild-paths,exact-paths                                   | only 'wild-paths' allows this request ('exact-paths': path not allowed)
            x.paths.org        | 443  | GET    | /api/v2/x       | exact-paths,wild-paths                                   | an exact host ('x.paths.org') before a wildcard ('*.paths.org')
            deny.other.org     | 443  | GET    | /b/x            | deny-b-off,deny-a,deny-c-get,deny-d-off-get              | no candidate allows the request; 'deny-b-off' gives the most informative denial (disabled)
            """)
    void candidatesAndTheRuleThatDecided(String host, int port, String method, String path, String order, String rule) {
        List<VaultMatcher.Candidate> c = MATCHER.candidates(host, port, method, path);
        assertThat(c).extracting(x -> x.service().name()).containsExactly(order.split(","));
        assertThat(VaultMatcher.decidingRule(c.get(0), c.get(1))).isEqualTo(rule);
    }

    @ParameterizedTest(name = "hasServiceFor {0}:{1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            api.example.com   | 443  | true
            api.example.com   | 1234 | true
            API.EXAMPLE.COM.  | 443  | true
            z.example.com     | 443  | true
            off.other.org     | 443  | true
            port.other.org    | 443  | false
            port.other.org    | 8443 | true
            a.b.example.com   | 443  | false
            example.com       | 443  | false
            unknown.org       | 443  | false
            """)
    void connectDecision(String host, int port, boolean expected) {
        assertThat(MATCHER.hasServiceFor(host, port)).isEqualTo(expected);
    }

    @Test
    void declarationOrderBreaksFullTies() {
        ServiceDefinition first = svc("first", "api.example.com", List.of("/a/*"), List.of(), true);
        ServiceDefinition second = svc("second", "api.example.com", List.of("/a/**"), List.of(), true);
        assertThat(compile(List.of(first, second)).match("api.example.com", 443, "GET", "/a/b"))
                .get().extracting(m -> m.service().name()).isEqualTo("first");
        assertThat(compile(List.of(second, first)).match("api.example.com", 443, "GET", "/a/b"))
                .get().extracting(m -> m.service().name()).isEqualTo("second");
    }

    @Test
    void longestMatchingGlobOfAServiceCounts() {
        ServiceDefinition multi = svc("multi", "api.example.com", List.of("/**", "/v1/chat/**"), List.of(), true);
        ServiceDefinition mid = svc("mid", "api.example.com", List.of("/v1/**"), List.of(), true);
        VaultMatcher m = compile(List.of(mid, multi));
        assertThat(m.match("api.example.com", 443, "GET", "/v1/chat/x").orElseThrow().service().name())
                .isEqualTo("multi");
        assertThat(m.match("api.example.com", 443, "GET", "/v1/other").orElseThrow().service().name())
                .isEqualTo("mid");
        assertThat(m.match("api.example.com", 443, "GET", "/v2").orElseThrow().service().name())
                .isEqualTo("multi");
    }

    @Test
    void ipLiteralServicesMatchNormalisedHosts() {
        ServiceDefinition v6 = new ServiceDefinition("v6", "[::1]:8080", List.of(), List.of(), true, true, null,
                new Injection.None());
        ServiceDefinition v4 = new ServiceDefinition("v4", "127.0.0.1", List.of(), List.of(), true, true, null,
                new Injection.None());
        VaultMatcher m = compile(List.of(v6, v4));
        assertThat(m.match("::1", 8080, "GET", "/")).get().extracting(x -> x.service().name()).isEqualTo("v6");
        assertThat(m.match("[0:0::1]", 8080, "GET", "/")).get().extracting(x -> x.service().name()).isEqualTo("v6");
        assertThat(m.match("::1", 8081, "GET", "/")).isEmpty();
        assertThat(m.match("127.0.0.1", 1, "GET", "/")).get().extracting(x -> x.service().name()).isEqualTo("v4");
        assertThat(m.hasServiceFor("0:0:0:0:0:0:0:1", 8080)).isTrue();
    }

    @Test
    void emptyMatcherMatchesNothing() {
        assertThat(VaultMatcher.empty().hasServiceFor("api.example.com", 443)).isFalse();
        assertThat(VaultMatcher.empty().match("api.example.com", 443, "GET", "/")).isEmpty();
        assertThat(VaultMatcher.compile(List.of()).services()).isEmpty();
    }

    @Test
    void explainTellsWhatIsAllowed() {
        assertThat(MATCHER.match("rules.other.org", 443, "POST", "/repos/a").orElseThrow().explain())
                .isEqualTo("service 'rules' allows only GET, HEAD on paths /repos/**, /user");
        assertThat(MATCHER.match("rules.other.org", 443, "GET", "/x").orElseThrow().explain())
                .isEqualTo("service 'rules' allows only paths /repos/**, /user with GET, HEAD");
        assertThat(MATCHER.match("off.other.org", 443, "GET", "/").orElseThrow().explain())
                .contains("'off'", "disabled");
        assertThat(MatchOutcome.DISABLED.errorType()).isNotNull();
        assertThat(MatchOutcome.ALLOWED.errorType()).isNull();
    }

    @Test
    void servicesAreTheCompiledListInDeclarationOrder() {
        assertThat(MATCHER.services()).isEqualTo(SERVICES);
    }

    @ParameterizedTest
    @CsvSource({"a..example.com", ".example.com", "'api.example.com..'", "''", "'[::1'", "'::zz'"})
    void aHostThatIsNotAHostHasNoServiceAndNoMatch(String host) {
        // each of these would otherwise reach the wildcard '*.example.com' or another entry
        assertThat(MATCHER.hasServiceFor(host, 443)).isFalse();
        assertThat(MATCHER.match(host, 443, "GET", "/")).isEmpty();
    }

    @Test
    void aQueryOnlyPathIsNotMatchableAndStillFindsTheService() {
        // the '?' at index 0: the path is empty, which no path glob matches, while a service
        // without paths still governs the request
        assertThat(MATCHER.match("api.example.com", 443, "GET", "?x=1").orElseThrow().service().name())
                .isEqualTo("exact-any");
        assertThat(MATCHER.match("x.paths.org", 443, "GET", "?x=/api/v2/a").orElseThrow().outcome())
                .isEqualTo(MatchOutcome.PATH_NOT_ALLOWED);
    }
}
