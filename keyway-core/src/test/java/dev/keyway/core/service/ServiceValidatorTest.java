package dev.keyway.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceValidatorTest {

    private static ServiceDefinition host(String host, boolean allowPrivate) {
        return new ServiceDefinition("svc", host, List.of(), List.of(), true, allowPrivate, null,
                new Injection.Bearer("TOKEN"));
    }

    private static void assertInvalid(ServiceDefinition s, String field, String messagePart) {
        assertThatThrownBy(() -> ServiceValidator.validate(s))
                .isInstanceOfSatisfying(KeywayException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.VALIDATION);
                    assertThat(e.extras()).containsEntry("field", field);
                })
                .hasMessageContaining(messagePart);
    }

    @ParameterizedTest(name = "valid host {0}")
    @ValueSource(strings = {
        "api.github.com", "API.GitHub.com", "api.github.com.", "*.example.com", "*.api.example.com",
        "api.example.com:8443", "*.example.com:443", "a-b.c-d.example.org", "xn--bcher-kva.example.com", "bücher.example.com",
        "*.herokuapp.example.com", "s3.amazonaws.com", "my-bucket.s3.amazonaws.com", "1password.com", "x.co.uk"
    })
    void acceptsPublicHosts(String h) {
        assertThatCode(() -> ServiceValidator.validate(host(h, false))).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""                          | host is empty
            *                           | bare '*'
            *.                          | bare '*'
            *.com                       | public suffix 'com'
            *.co.uk                     | public suffix 'co.uk'
            *.github.io                 | public suffix 'github.io'
            *.vercel.app                | public suffix 'vercel.app'
            *.s3.us-east-1.amazonaws.com | public suffix
            api.*.example.com           | whole first label
            a*.example.com              | whole first label
            **.example.com              | whole first label
            https://api.example.com     | is a URL
            api.example.com/v1          | without path
            user@api.example.com        | without path
            api example.com             | space
            api..example.com            | empty label
            -api.example.com            | start or end with '-'
            api_x.example.com           | only letters, digits
            api.example.com:0           | from 1 to 65535
            api.example.com:65536       | from 1 to 65535
            api.example.com:http        | must be a number
            api.example.com:            | must be a number
            10.0.0.1                    | IP address
            127.0.0.1:8080              | IP address
            8.8.8.8                     | IP address
            [::1]                       | IP address
            [::1]:443                   | IP address
            ::1                         | IP address
            2001:db8::1                 | IP address
            127.1                       | dotted quad
            0x7f000001                  | dotted quad
            1.2.3.4.5                   | dotted quad
            localhost                   | internal
            localhost:8080              | internal
            foo.localhost               | internal
            *.localhost                 | public suffix
            printer.local               | internal
            *.svc.cluster.local         | internal
            metadata.google.internal    | internal
            kubernetes                  | internal
            kubernetes.default          | internal
            kubernetes.default.svc      | internal
            intranet                    | internal
            router.home.arpa            | internal
            """)
    void rejectsBadHosts(String h, String message) {
        assertInvalid(host(h, false), "host", message);
    }

    @ParameterizedTest(name = "allow_private permits {0}")
    @ValueSource(strings = {
        "10.0.0.1", "127.0.0.1:8080", "[::1]:443", "::1", "localhost", "localhost:8080", "*.svc.cluster.local",
        "metadata.google.internal", "kubernetes.default.svc", "gitea"
    })
    void allowPrivatePermitsInternalHosts(String h) {
        assertThatCode(() -> ServiceValidator.validate(host(h, true))).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "allow_private still rejects {0}")
    @ValueSource(strings = {"*", "*.com", "*.co.uk", "127.1", "[::1", "*.10.0.0.1"})
    void allowPrivateDoesNotPermitEverything(String h) {
        assertThatThrownBy(() -> ServiceValidator.validate(host(h, true))).isInstanceOf(KeywayException.class);
    }

    @ParameterizedTest(name = "name {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            github      | true
            my.svc_2-x  | true
            0day        | true
            ""          | false
            GitHub      | false
            -github     | false
            git hub     | false
            a234567890123456789012345678901234567890123456789012345678901234 | false
            """)
    void serviceNames(String name, boolean valid) {
        ServiceDefinition s = ServiceDefinition.of(name, "api.example.com", new Injection.None());
        if (valid) {
            ServiceValidator.validate(s);
        } else {
            assertInvalid(s, "name", "service name");
        }
    }

    @ParameterizedTest(name = "paths {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            /                  |
            /**                |
            /repos/**          |
            /v1/*/models       |
            /files/*.json      |
            /v*/x              |
            /a/**/b            |
            repos/**           | must start with '/'
            ""                 | must start with '/'
            /repos/**x         | '**' must be a whole segment
            /a**/b             | '**' must be a whole segment
            /repos?x=1         | without query
            /a#frag            | without query
            /a b               | space
            /a/../b            | '..' segment
            /a/./b             | '.' segment
            /a\\b              | backslash
            """)
    void pathGlobs(String glob, String error) {
        ServiceDefinition s = new ServiceDefinition("svc", "api.example.com", List.of(glob), List.of(), true, false,
                null, new Injection.None());
        if (error == null) {
            ServiceValidator.validate(s);
        } else {
            assertInvalid(s, "paths[0]", error);
        }
    }

    @Test
    void duplicatePathsRejected() {
        ServiceDefinition s = new ServiceDefinition("svc", "api.example.com", List.of("/a", "/a"), List.of(), true,
                false, null, new Injection.None());
        assertInvalid(s, "paths[1]", "listed twice");
    }

    @ParameterizedTest(name = "methods {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            GET          |
            M-SEARCH     |
            PROPFIND     |
            *            | omit 'methods'
            get          | write GET
            Get          | write GET
            GET POST     | not an upper-case
            ""           | not an upper-case
            """)
    void methods(String method, String error) {
        ServiceDefinition s = new ServiceDefinition("svc", "api.example.com", List.of(), List.of(method), true, false,
                null, new Injection.None());
        if (error == null) {
            ServiceValidator.validate(s);
        } else {
            assertInvalid(s, "methods[0]", error);
        }
    }

    @Test
    void duplicateMethodsRejected() {
        ServiceDefinition s = new ServiceDefinition("svc", "api.example.com", List.of(), List.of("GET", "GET"), true,
                false, null, new Injection.None());
        assertInvalid(s, "methods[1]", "listed twice");
    }

    static ServiceDefinition inject(Injection i) {
        return ServiceDefinition.of("svc", "api.example.com", i);
    }

    @Test
    void credentialNamesAreChecked() {
        assertInvalid(inject(new Injection.Bearer("openai_key")), "inject.bearer", "not a credential name");
        assertInvalid(inject(new Injection.Bearer("1KEY")), "inject.bearer", "not a credential name");
        assertInvalid(inject(new Injection.Query("key", "a-b")), "inject.query.key", "not a credential name");
        assertInvalid(inject(Injection.Basic.withUserCredential("user", "PASS")), "inject.basic.username",
                "not a credential name");
        assertInvalid(inject(Injection.Basic.withLiteralUser("x", "pass")), "inject.basic.password",
                "not a credential name");
        assertInvalid(inject(new Injection.Substitute("__PH__", "x")), "inject.substitute.credential",
                "not a credential name");
        assertInvalid(inject(Injection.Headers.of("X-Key", "{lower}")), "inject.header.X-Key",
                "not a credential reference");
    }

    @Test
    void compositeValuesAreCheckedWithThePosition() {
        ServiceValidator.validate(inject(Injection.Headers.of("Authorization", "Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}")));
        ServiceValidator.validate(inject(new Injection.Query("sig", "{hmac_sha256(KEY, \"GET\")}")));
        ServiceValidator.validate(inject(new Injection.Substitute("__PH__", "{lower(KEY)}")));
        assertInvalid(inject(Injection.Headers.of("Authorization", "Basic {base64(A, B)}")), "inject.header.Authorization",
                "base64 at position 7 takes 1 argument, not 2");
        assertInvalid(inject(Injection.Headers.of("X-Sig", "{md5(A)}")), "inject.header.X-Sig",
                "unknown function 'md5' at position 1");
        assertInvalid(inject(Injection.Headers.of("X-Sig", "{base64(a_key)}")), "inject.header.X-Sig",
                "'a_key' at position 8 is not a credential reference");
        assertInvalid(inject(new Injection.Query("sig", "{hmac_sha256(KEY)}")), "inject.query.sig",
                "expression: hmac_sha256 at position 1 takes 2 arguments, not 1");
        assertInvalid(inject(new Injection.Substitute("__PH__", "{KEY + }")), "inject.substitute.credential",
                "at position 7");
    }

    @Test
    void basicRules() {
        ServiceValidator.validate(inject(Injection.Basic.withLiteralUser("__token__", "PYPI_TOKEN")));
        assertInvalid(inject(new Injection.Basic(null, null, "P")), "inject.basic", "exactly one of");
        assertInvalid(inject(new Injection.Basic("U", "u", "P")), "inject.basic", "exactly one of");
        assertInvalid(inject(Injection.Basic.withLiteralUser("a:b", "P")), "inject.basic.username_literal", "':'");
        assertInvalid(inject(Injection.Basic.withLiteralUser("", "P")), "inject.basic.username_literal", "1-256");
    }

    @Test
    void headerRules() {
        ServiceValidator.validate(inject(Injection.Headers.of("Authorization", "token {{literal}} {GITHUB_TOKEN}")));
        ServiceValidator.validate(inject(new Injection.Headers(List.of(
                new HeaderTemplate("X-Static", "v1"), new HeaderTemplate("X-Key", "{KEY}")))));
        assertInvalid(inject(new Injection.Headers(List.of())), "inject.header", "at least one header");
        assertInvalid(inject(Injection.Headers.of("X-Static", "no credential")), "inject.header",
                "no header template references a credential");
        assertInvalid(inject(Injection.Headers.of("Bad Name", "{KEY}")), "inject.header.Bad Name",
                "not a valid header name");
        assertInvalid(inject(Injection.Headers.of("Host", "{KEY}")), "inject.header.Host", "cannot be injected");
        assertInvalid(inject(Injection.Headers.of("content-length", "{KEY}")), "inject.header.content-length",
                "cannot be injected");
        assertInvalid(inject(Injection.Headers.of("Proxy-Authorization", "{KEY}")),
                "inject.header.Proxy-Authorization", "cannot be injected");
        assertInvalid(inject(new Injection.Headers(List.of(
                new HeaderTemplate("X-Key", "{A}"), new HeaderTemplate("x-key", "{B}")))), "inject.header.x-key",
                "listed twice");
        assertInvalid(inject(Injection.Headers.of("X-Key", "{KEY")), "inject.header.X-Key", "unclosed '{'");
        assertInvalid(inject(Injection.Headers.of("X-Key", "{KEY}}")), "inject.header.X-Key", "unmatched '}'");
        assertInvalid(inject(Injection.Headers.of("X-Key", "a\r\n{KEY}")), "inject.header.X-Key",
                "control characters");
    }

    @Test
    void queryRules() {
        ServiceValidator.validate(inject(new Injection.Query("api_key", "KEY")));
        assertInvalid(inject(new Injection.Query("a&b", "KEY")), "inject.query", "query parameter 'a&b'");
        assertInvalid(inject(new Injection.Query("", "KEY")), "inject.query", "query parameter");
    }

    @ParameterizedTest(name = "placeholder {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            __KEY__            |
            abcd               |
            sk-ant-api03-xxxxx |
            123:ABC_def~       |
            abc                | 4-128 characters
            "has space"        | printable ASCII
            "tab\there"        | printable ASCII
            ünïcode!           | printable ASCII
            """)
    void placeholders(String placeholder, String error) {
        ServiceDefinition s = inject(new Injection.Substitute(placeholder.replace("\\t", "\t"), "KEY"));
        if (error == null) {
            ServiceValidator.validate(s);
        } else {
            assertInvalid(s, "inject.substitute.placeholder", error);
        }
    }

    @Test
    void placeholderLengthLimits() {
        ServiceValidator.validate(inject(new Injection.Substitute("x".repeat(128), "KEY")));
        assertInvalid(inject(new Injection.Substitute("x".repeat(129), "KEY")), "inject.substitute.placeholder",
                "4-128");
        assertInvalid(inject(new Injection.Substitute("__KEY__", "KEY", Set.of())), "inject.substitute.in",
                "lists no surface");
    }

    @Test
    void descriptionLength() {
        ServiceDefinition s = new ServiceDefinition("svc", "api.example.com", List.of(), List.of(), true, false,
                "x".repeat(1025), new Injection.None());
        assertInvalid(s, "description", "1024");
    }

    @Test
    void vaultRejectsDuplicateNames() {
        ServiceDefinition a = ServiceDefinition.of("a", "a.example.com", new Injection.None());
        ServiceDefinition b = ServiceDefinition.of("a", "b.example.com", new Injection.None());
        assertThatThrownBy(() -> ServiceValidator.validateVault(List.of(a, b)))
                .hasMessageContaining("'a' is used more than once");
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource(delimiter = '|', textBlock = """
            __KEY__        | __KEY__         | true
            __KEY__        | __KEY__2        | true
            x__KEY__       | __KEY__         | true
            __KEY_A__      | __KEY_B__       | false
            PLACEHOLDER_1  | PLACEHOLDER_2   | false
            """)
    void vaultRejectsOverlappingPlaceholders(String p1, String p2, boolean overlap) {
        ServiceDefinition a = ServiceDefinition.of("a", "a.example.com",
                new Injection.Substitute(p1, "A", EnumSet.of(Surface.BODY)));
        ServiceDefinition b = ServiceDefinition.of("b", "b.example.com", new Injection.Substitute(p2, "B"));
        if (overlap) {
            assertThatThrownBy(() -> ServiceValidator.validateVault(List.of(a, b)))
                    .isInstanceOfSatisfying(KeywayException.class,
                            e -> assertThat(e.extras()).containsEntry("field", "inject.substitute.placeholder"))
                    .hasMessageContaining("service 'b'")
                    .hasMessageContaining("service 'a'");
        } else {
            ServiceValidator.validateVault(List.of(a, b));
        }
    }

    @Test
    void vaultValidatesEachService() {
        ServiceDefinition bad = ServiceDefinition.of("bad", "*.com", new Injection.None());
        assertThatThrownBy(() -> ServiceValidator.validateVault(List.of(bad)))
                .hasMessageContaining("service 'bad'")
                .hasMessageContaining("public suffix");
    }
}
