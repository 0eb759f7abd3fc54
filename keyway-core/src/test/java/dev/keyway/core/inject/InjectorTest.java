package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.service.HeaderTemplate;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceValidator;
import dev.keyway.core.service.Surface;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class InjectorTest {

    /** A resolver over fixed values that records every array it hands out (to check wiping). */
    static final class Vault implements CredentialResolver {
        final Map<String, String> values = new HashMap<>();
        final List<byte[]> handedOut = new ArrayList<>();
        final List<String> asked = new ArrayList<>();

        Vault with(String name, String value) {
            values.put(name, value);
            return this;
        }

        @Override
        public Optional<byte[]> resolve(String name) {
            asked.add(name);
            String v = values.get(name);
            if (v == null) {
                return Optional.empty();
            }
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            handedOut.add(bytes);
            return Optional.of(bytes);
        }

        void assertAllWiped() {
            for (byte[] b : handedOut) {
                assertThat(b).as("credential array wiped").containsOnly(0);
            }
        }
    }

    private static final CredentialResolver NEVER = name -> fail("resolver must not be called, asked for " + name);

    private static ServiceDefinition service(Injection injection) {
        ServiceDefinition s = ServiceDefinition.of("svc", "api.example.com", injection);
        ServiceValidator.validate(s);
        return s;
    }

    private static HttpHead head(String target, String... nameValues) {
        List<HttpHead.Header> headers = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.add(new HttpHead.Header(nameValues[i], nameValues[i + 1]));
        }
        return new HttpHead("GET", target, headers);
    }

    private static InjectionResult.Applied applied(InjectionResult r) {
        assertThat(r).isInstanceOf(InjectionResult.Applied.class);
        return (InjectionResult.Applied) r;
    }

    private static InjectionResult.Failed failed(InjectionResult r) {
        assertThat(r).isInstanceOf(InjectionResult.Failed.class);
        return (InjectionResult.Failed) r;
    }

    private static List<String> headerLines(HttpHead h) {
        return h.headers().stream().map(x -> x.name() + ": " + x.value()).toList();
    }

    // ---- every kind -----------------------------------------------------------------------

    @ParameterizedTest(name = "Connection: {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "authorization | ''",
        "Authorization, keep-alive | keep-alive",
        "keep-alive, AUTHORIZATION , x-drop | keep-alive, x-drop",
        "x-drop | x-drop",
    })
    void connectionOptionsNeverNameTheInjectedHeader(String connection, String expected) {
        Vault v = new Vault().with("OPENAI_API_KEY", "sk-real");
        HttpHead in = head("/v1/chat", "Connection", connection, "Authorization", "Bearer sk-placeholder", "X-Drop", "1");
        InjectionResult.Applied r = applied(Injector.apply(service(new Injection.Bearer("OPENAI_API_KEY")), in, v));
        assertThat(r.head().header("Authorization")).isEqualTo("Bearer sk-real");
        assertThat(r.head().header("Connection")).isEqualTo(expected.isEmpty() ? null : expected);
    }

    @Test
    void connectionOptionIsRemovedEvenWhenTheClientSentTheInjectedValueItself() {
        Vault v = new Vault().with("OPENAI_API_KEY", "sk-real");
        HttpHead in = head("/v1/chat", "Connection", "authorization", "Authorization", "Bearer sk-real");
        InjectionResult.Applied r = applied(Injector.apply(service(new Injection.Bearer("OPENAI_API_KEY")), in, v));
        assertThat(r.head().header("Connection")).isNull();
        assertThat(r.head().header("Authorization")).isEqualTo("Bearer sk-real");
    }

    @Test
    void connectionOptionNamingASubstitutedHeaderIsRemoved() {
        Vault v = new Vault().with("ANTHROPIC_API_KEY", "real");
        HttpHead in = head("/v1", "Connection", "x-api-key, x-other", "x-api-key", PH, "x-other", "1");
        InjectionResult.Applied r = applied(Injector.apply(service(substitute(Surface.HEADER)), in, v));
        assertThat(r.head().header("x-api-key")).isEqualTo("real");
        assertThat(r.head().header("Connection")).isEqualTo("x-other");
    }

    @Test
    void connectionIsLeftAloneWhenNothingWasInjected() {
        HttpHead in = head("/a", "Connection", "authorization", "Authorization", "Bearer client");
        InjectionResult.Applied r = applied(Injector.apply(service(new Injection.None()), in, NEVER));
        assertThat(r.head().header("Connection")).isEqualTo("authorization");
    }

    @Test
    void noneOnlyStripsProxyHeaders() {
        HttpHead in = head("/a?b=1", "Host", "api.example.com", "Proxy-Authorization", "Basic abc",
                "proxy-connection", "keep-alive", "Authorization", "Bearer client", "Accept", "*/*");
        InjectionResult.Applied r = applied(Injector.apply(service(new Injection.None()), in, NEVER));
        assertThat(headerLines(r.head()))
                .containsExactly("Host: api.example.com", "Authorization: Bearer client", "Accept: */*");
        assertThat(r.head().pathAndQuery()).isEqualTo("/a?b=1");
        assertThat(r.head().method()).isEqualTo("GET");
        assertThat(r.credentialsUsed()).isEmpty();
        assertThat(r.injected()).isFalse();
        assertThat(r.body()).isNull();
        assertThat(r.webSocketText()).isNull();
    }

    @Test
    void bearerReplacesClientAuthorization() {
        Vault v = new Vault().with("OPENAI_API_KEY", "sk-real");
        HttpHead in = head("/v1/chat", "Host", "api.openai.com", "authorization", "Bearer sk-placeholder",
                "AUTHORIZATION", "Basic Zm9v", "Proxy-Authorization", "Bearer proxy-token", "Content-Type", "x");
        InjectionResult.Applied r =
                applied(Injector.apply(service(new Injection.Bearer("OPENAI_API_KEY")), in, v));
        assertThat(headerLines(r.head()))
                .containsExactly("Host: api.openai.com", "Content-Type: x", "Authorization: Bearer sk-real");
        assertThat(r.credentialsUsed()).containsExactly("OPENAI_API_KEY");
        assertThat(r.injected()).isTrue();
        v.assertAllWiped();
    }

    @ParameterizedTest
    @ValueSource(strings = {":leading", "mid:dle", "trailing:", ":"})
    void basicRefusesAUserNameCredentialWithAColonAnywhere(String user) {
        // a ':' in the user part would move the user/password split the upstream sees
        Vault v = new Vault().with("U", user).with("P", "pw");
        InjectionResult.Failed f = failed(Injector.apply(service(Injection.Basic.withUserCredential("U", "P")),
                head("/", "Host", "api.example.com"), v));
        assertThat(f.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
        assertThat(f.detail()).contains("contains ':'");
        if (user.length() > 1) {
            assertThat(f.detail()).doesNotContain(user);
        }
        v.assertAllWiped();
    }

    @Test
    void basicWithLiteralUser() {
        Vault v = new Vault().with("GITHUB_TOKEN", "ghp_real");
        InjectionResult.Applied r = applied(Injector.apply(
                service(Injection.Basic.withLiteralUser("x-access-token", "GITHUB_TOKEN")),
                head("/o/r.git/info/refs?service=git-upload-pack", "Authorization", "Basic old"), v));
        assertThat(headerLines(r.head())).containsExactly("Authorization: Basic "
                + Base64.getEncoder().encodeToString("x-access-token:ghp_real".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.credentialsUsed()).containsExactly("GITHUB_TOKEN");
        v.assertAllWiped();
    }

    @Test
    void basicWithUserCredentialUsesUtf8() {
        Vault v = new Vault().with("USER", "jürgen").with("PASS", "p:ss wörd\r\n");
        InjectionResult.Applied r = applied(
                Injector.apply(service(Injection.Basic.withUserCredential("USER", "PASS")), head("/"), v));
        String encoded = r.head().header("Authorization").substring("Basic ".length());
        assertThat(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8))
                .isEqualTo("jürgen:p:ss wörd\r\n");
        assertThat(r.credentialsUsed()).containsExactly("USER", "PASS");
        v.assertAllWiped();
    }

    @Test
    void basicRefusesColonInUserCredential() {
        Vault v = new Vault().with("USER", "a:b").with("PASS", "p");
        InjectionResult.Failed f =
                failed(Injector.apply(service(Injection.Basic.withUserCredential("USER", "PASS")), head("/"), v));
        assertThat(f.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
        assertThat(f.detail()).contains("USER", "':'").doesNotContain("a:b");
        v.assertAllWiped();
    }

    @Test
    void headerTemplatesRenderAndOverrideClientCopies() {
        Vault v = new Vault().with("DD_API_KEY", "api123").with("DD_APP_KEY", "app456");
        Injection inj = new Injection.Headers(List.of(
                new HeaderTemplate("DD-API-KEY", "{DD_API_KEY}"),
                new HeaderTemplate("DD-APPLICATION-KEY", "{{literal}} {DD_APP_KEY}/{DD_API_KEY}"),
                new HeaderTemplate("X-Static", "v1")));
        HttpHead in = head("/api/v1/validate", "dd-api-key", "client-copy", "Accept", "json",
                "Dd-Application-Key", "client", "x-static", "client");
        InjectionResult.Applied r = applied(Injector.apply(service(inj), in, v));
        assertThat(headerLines(r.head())).containsExactly("Accept: json", "DD-API-KEY: api123",
                "DD-APPLICATION-KEY: {literal} app456/api123", "X-Static: v1");
        assertThat(r.credentialsUsed()).containsExactly("DD_API_KEY", "DD_APP_KEY");
        assertThat(v.asked).containsExactly("DD_API_KEY", "DD_APP_KEY");
        v.assertAllWiped();
    }

    @Test
    void githubStyleTokenHeader() {
        Vault v = new Vault().with("GITHUB_TOKEN", "ghp_abc");
        InjectionResult.Applied r = applied(Injector.apply(
                service(Injection.Headers.of("Authorization", "token {GITHUB_TOKEN}")),
                head("/repos/a/b", "Authorization", "token ghp_placeholder"), v));
        assertThat(headerLines(r.head())).containsExactly("Authorization: token ghp_abc");
    }

    // ---- failures ------------------------------------------------------------------------

    @Test
    void missingCredentialFailsWithNameOnly() {
        InjectionResult.Failed f = failed(Injector.apply(
                service(new Injection.Bearer("OPENAI_API_KEY")), head("/"), new Vault()));
        assertThat(f.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
        assertThat(f.detail()).contains("OPENAI_API_KEY", "'svc'", "not set");
    }

    @Test
    void emptyCredentialFails() {
        InjectionResult.Failed f = failed(Injector.apply(
                service(new Injection.Bearer("KEY")), head("/"), new Vault().with("KEY", "")));
        assertThat(f.detail()).contains("KEY", "empty");
    }

    @ParameterizedTest(name = "header value with {0} is refused")
    @ValueSource(strings = {"cr", "lf", "crlf", "nul", "del", "esc", "non-ascii"})
    void controlCharactersNeverReachAHeader(String kind) {
        String bad = switch (kind) {
            case "cr" -> "sk-abc\rX-Evil: 1";
            case "lf" -> "sk-abc\nX-Evil: 1";
            case "crlf" -> "sk-abc\r\nX-Evil: 1";
            case "nul" -> "sk-abc\0";
            case "del" -> "sk-abc\u007f";
            case "esc" -> "sk-\u001b[31m";
            default -> "sk-é";
        };
        Vault v = new Vault().with("KEY", bad);
        for (Injection inj : List.<Injection>of(
                new Injection.Bearer("KEY"),
                Injection.Headers.of("X-Key", "k={KEY}"),
                new Injection.Substitute("__KEY__", "KEY"))) {
            InjectionResult.Failed f = failed(Injector.apply(service(inj), head("/", "X-Key", "__KEY__"), v));
            assertThat(f.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
            assertThat(f.detail()).contains("credential KEY", "cannot be used in a header").doesNotContain("sk-");
        }
        v.assertAllWiped();
    }

    @Test
    void tabsAndSpacesAreFineInHeaders() {
        Vault v = new Vault().with("KEY", "a b\tc");
        assertThat(applied(Injector.apply(service(new Injection.Bearer("KEY")), head("/"), v))
                .head().header("Authorization")).isEqualTo("Bearer a b\tc");
    }

    // ---- query injection ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            /v1/models                          | abc            | /v1/models?key=abc
            /v1/models?                         | abc            | /v1/models?key=abc
            /v1/models?alt=json                 | abc            | /v1/models?alt=json&key=abc
            /v1/models?key=placeholder&alt=json | abc            | /v1/models?key=abc&alt=json
            /v1/models?a=1&key=x&b=2&key=y      | abc            | /v1/models?a=1&key=abc&b=2
            /v1/models?k%65y=x&b=%2F%20         | abc            | /v1/models?key=abc&b=%2F%20
            /v1/models?keys=1&akey=2&key        | abc            | /v1/models?keys=1&akey=2&key=abc
            /v1/models?a=b+c&&d                 | abc            | /v1/models?a=b+c&&d&key=abc
            /x                                  | "a b/c?d&e=f+g%h~._-" | /x?key=a%20b%2Fc%3Fd%26e%3Df%2Bg%25h~._-
            /x                                  | é\\r\\n        | /x?key=%C3%A9%0D%0A
            """)
    void queryInjection(String target, String value, String expected) {
        Vault v = new Vault().with("GEMINI_API_KEY", value.replace("\\r", "\r").replace("\\n", "\n"));
        InjectionResult.Applied r = applied(Injector.apply(
                service(new Injection.Query("key", "GEMINI_API_KEY")), head(target, "Accept", "x"), v));
        assertThat(r.head().pathAndQuery()).isEqualTo(expected);
        assertThat(headerLines(r.head())).containsExactly("Accept: x");
        assertThat(r.credentialsUsed()).containsExactly("GEMINI_API_KEY");
        v.assertAllWiped();
    }

    // ---- substitution --------------------------------------------------------------------------

    private static final String PH = "__ANTHROPIC_API_KEY__";

    private static Injection substitute(Surface... on) {
        return new Injection.Substitute(PH, "ANTHROPIC_API_KEY", EnumSet.of(on[0], on));
    }

    @Test
    void substituteInHeadersRaw() {
        Vault v = new Vault().with("ANTHROPIC_API_KEY", "sk-ant/real+key=");
        HttpHead in = head("/v1/messages?x=" + PH, "Host", PH + ".example", "x-api-key", PH,
                "X-Other", "a " + PH + " b " + PH, "Proxy-Authorization", PH, "Accept", "json");
        InjectionResult.Applied r = applied(Injector.apply(service(substitute(Surface.HEADER)), in, v));
        assertThat(headerLines(r.head())).containsExactly("Host: " + PH + ".example", "x-api-key: sk-ant/real+key=",
                "X-Other: a sk-ant/real+key= b sk-ant/real+key=", "Accept: json");
        assertThat(r.head().pathAndQuery()).as("query not declared").isEqualTo("/v1/messages?x=" + PH);
        assertThat(r.credentialsUsed()).containsExactly("ANTHROPIC_API_KEY");
        assertThat(r.body()).isNull();
        v.assertAllWiped();
    }

    @Test
    void substituteInPathAndQueryPercentEncodes() {
        Vault v = new Vault().with("ANTHROPIC_API_KEY", "123:AB/c?d#e%f g&h=i+j@k~");
        HttpHead in = head("/bot" + PH + "/getMe?token=" + PH + "&x=" + PH, "X-Key", PH);
        InjectionResult.Applied r =
                applied(Injector.apply(service(substitute(Surface.PATH, Surface.QUERY)), in, v));
        assertThat(r.head().pathAndQuery()).isEqualTo("/bot123:AB%2Fc%3Fd%23e%25f%20g&h=i+j@k~/getMe"
                + "?token=123%3AAB%2Fc%3Fd%23e%25f%20g%26h%3Di%2Bj%40k~&x=123%3AAB%2Fc%3Fd%23e%25f%20g%26h%3Di%2Bj%40k~");
        assertThat(headerLines(r.head())).as("header not declared").containsExactly("X-Key: " + PH);
        assertThat(r.credentialsUsed()).containsExactly("ANTHROPIC_API_KEY");
        v.assertAllWiped();
    }

    @Test
    void defaultSurfacesAreHeaderPathQuery() {
        Vault v = new Vault().with("ANTHROPIC_API_KEY", "real");
        HttpHead in = new HttpHead("POST", "/p/" + PH + "?q=" + PH,
                List.of(new HttpHead.Header("X-Key", PH), new HttpHead.Header("Content-Length", "10")));
        InjectionResult.Applied r = applied(Injector.apply(
                service(new Injection.Substitute(PH, "ANTHROPIC_API_KEY")), in, v));
        assertThat(r.head().pathAndQuery()).isEqualTo("/p/real?q=real");
        assertThat(r.head().header("X-Key")).isEqualTo("real");
        assertThat(r.body()).as("body is opt-in").isNull();
        assertThat(r.head().method()).isEqualTo("POST");
    }

    @Test
    void substituteWithoutPlaceholderDoesNotTouchTheVault() {
        HttpHead in = head("/v1/messages?a=b", "x-api-key", "something-else", "Authorization", "Basic Zm9vOmJhcg==");
        InjectionResult.Applied r = applied(Injector.apply(
                service(substitute(Surface.HEADER, Surface.PATH, Surface.QUERY, Surface.BODY, Surface.WEBSOCKET)),
                in, NEVER));
        assertThat(r.credentialsUsed()).isEmpty();
        assertThat(r.injected()).isFalse();
        assertThat(r.head().headers()).isEqualTo(in.headers());
        assertThat(r.head().pathAndQuery()).isEqualTo(in.pathAndQuery());
        assertThat(r.body()).as("GET without body").isNull();
        assertThat(r.webSocketText()).isNull();
    }

    @Test
    void substituteMissingCredentialFailsOnlyWhenNeeded() {
        InjectionResult.Failed f = failed(Injector.apply(
                service(substitute(Surface.HEADER)), head("/", "x-api-key", PH), new Vault()));
        assertThat(f.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
        assertThat(f.detail()).contains("ANTHROPIC_API_KEY");
    }

    @ParameterizedTest(name = "body framing {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            Content-Length    | 42      | true
            Content-Length    | 0       | false
            Transfer-Encoding | chunked | true
            Accept            | x       | false
            """)
    void bodySubstitutionInstalledOnlyForRequestsWithABody(String header, String value, boolean expected) {
        Vault v = new Vault().with("ANTHROPIC_API_KEY", "sk-real");
        HttpHead in = new HttpHead("POST", "/v1/messages", List.of(new HttpHead.Header(header, value)));
        InjectionResult.Applied r = applied(Injector.apply(service(substitute(Surface.BODY)), in, v));
        assertThat(r.body() != null).isEqualTo(expected);
        assertThat(r.credentialsUsed()).isEqualTo(expected ? List.of("ANTHROPIC_API_KEY") : List.of());
        assertThat(r.head().headers()).as("Content-Length is the proxy's job").isEqualTo(in.headers());
        if (expected) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(r.body().update(("{\"key\":\"" + PH.substring(0, 9)).getBytes(StandardCharsets.UTF_8)));
            out.writeBytes(r.body().update((PH.substring(9) + "\"}").getBytes(StandardCharsets.UTF_8)));
            out.writeBytes(r.body().finish());
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"key\":\"sk-real\"}");
        }
        v.assertAllWiped();
    }

    @Test
    void webSocketTextSubstitutionForUpgrades() {
        Vault v = new Vault().with("ANTHROPIC_API_KEY", "sk-real");
        HttpHead in = head("/ws", "Upgrade", "WebSocket", "Connection", "Upgrade");
        InjectionResult.Applied r = applied(Injector.apply(service(substitute(Surface.WEBSOCKET)), in, v));
        assertThat(r.webSocketText()).isNotNull();
        assertThat(r.webSocketText().rewrite("{\"auth\":\"" + PH + "\"}")).isEqualTo("{\"auth\":\"sk-real\"}");
        assertThat(r.credentialsUsed()).containsExactly("ANTHROPIC_API_KEY");
        assertThat(applied(Injector.apply(service(substitute(Surface.WEBSOCKET)), head("/ws"), NEVER))
                .webSocketText()).isNull();
        v.assertAllWiped();
    }

    @ParameterizedTest(name = "basic auth {0}")
    @CsvSource(delimiter = '|', textBlock = """
            x-access-token:__ANTHROPIC_API_KEY__ | x-access-token:ghp_real
            __ANTHROPIC_API_KEY__:               | ghp_real:
            __ANTHROPIC_API_KEY__:x-oauth-basic  | ghp_real:x-oauth-basic
            """)
    void basicBase64Substitution(String decoded, String expected) {
        Vault v = new Vault().with("ANTHROPIC_API_KEY", "ghp_real");
        String b64 = Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
        for (String scheme : List.of("Basic ", "basic ")) {
            InjectionResult.Applied r = applied(Injector.apply(
                    service(substitute(Surface.HEADER)), head("/o/r.git/info/refs", "Authorization", scheme + b64), v));
            String out = r.head().header("Authorization");
            assertThat(out).startsWith(scheme);
            assertThat(new String(Base64.getDecoder().decode(out.substring(6)), StandardCharsets.UTF_8))
                    .isEqualTo(expected);
            assertThat(r.credentialsUsed()).containsExactly("ANTHROPIC_API_KEY");
        }
        v.assertAllWiped();
    }

    @Test
    void basicWithoutPlaceholderOrInvalidBase64IsLeftAlone() {
        for (String value : List.of("Basic " + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8)),
                "Basic !!!notbase64", "Bearer abc", "Basic")) {
            InjectionResult.Applied r = applied(Injector.apply(
                    service(substitute(Surface.HEADER)), head("/", "Authorization", value), NEVER));
            assertThat(r.head().header("Authorization")).isEqualTo(value);
            assertThat(r.credentialsUsed()).isEmpty();
        }
    }

    @Test
    void headHidesSecretsInToString() {
        HttpHead h = head("/bot-secret/a?key=secret", "Authorization", "Bearer secret");
        assertThat(h.toString()).doesNotContain("secret").contains("GET");
        assertThat(h.headers().get(0).toString()).doesNotContain("secret");
    }

    // ---- composite values (ValueExpression) -----------------------------------------------

    @Test
    void compositeHeaderBuildsBasicFromTwoCredentials() {
        Vault v = new Vault().with("JIRA_EMAIL", "me@example.com").with("JIRA_TOKEN", "ATATT-1");
        InjectionResult.Applied r = applied(Injector.apply(service(Injection.Headers.of("Authorization",
                "Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}")), head("/rest/api/3/myself",
                "Authorization", "Basic client"), v));
        assertThat(r.head().header("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("me@example.com:ATATT-1".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.credentialsUsed()).containsExactly("JIRA_EMAIL", "JIRA_TOKEN");
        v.assertAllWiped();
    }

    @Test
    void compositeResultFollowsTheHeaderRefusalRule() {
        Vault v = new Vault().with("A", "x\r\nX-Evil: 1");
        InjectionResult.Failed f = failed(Injector.apply(service(Injection.Headers.of("X-Key", "{lower(A) + \"!\"}")),
                head("/"), v));
        assertThat(f.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
        assertThat(f.detail()).contains("value {lower(A) + \"!\"}", "line break").doesNotContain("Evil");
        // the same credential encoded is header-safe
        InjectionResult.Applied ok = applied(Injector.apply(service(Injection.Headers.of("X-Key", "{hex(A)}")), head("/"), v));
        assertThat(ok.head().header("X-Key")).isEqualTo("780d0a582d4576696c3a2031");
        v.assertAllWiped();
    }

    @Test
    void compositeMissingOrTooLargeIsRefusedByName() {
        Vault v = new Vault().with("A", "a".repeat(9000));
        InjectionResult.Failed missing = failed(Injector.apply(service(Injection.Headers.of("X-Key", "{A + B}")), head("/"), v));
        assertThat(missing.detail()).isEqualTo("credential B for service 'svc' is not set in this vault");
        InjectionResult.Failed big = failed(Injector.apply(service(Injection.Headers.of("X-Key", "{A + A}")), head("/"), v));
        assertThat(big.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE);
        assertThat(big.detail()).contains("longer than 16384 bytes").doesNotContain("aaaa");
        v.assertAllWiped();
    }

    @Test
    void compositeQueryAndSubstituteValues() {
        Vault v = new Vault().with("U", "user").with("P", "p@ss w");
        InjectionResult.Applied q = applied(Injector.apply(service(new Injection.Query("auth", "{U + \":\" + P}")),
                head("/x?a=1"), v));
        assertThat(q.head().pathAndQuery()).isEqualTo("/x?a=1&auth=user%3Ap%40ss%20w");
        assertThat(q.credentialsUsed()).containsExactly("U", "P");
        InjectionResult.Applied s = applied(Injector.apply(service(new Injection.Substitute("__PH__",
                "{base64(U + \":\" + P)}", EnumSet.of(Surface.HEADER))), head("/", "X-Auth", "Basic __PH__"), v));
        assertThat(s.head().header("X-Auth")).isEqualTo("Basic dXNlcjpwQHNzIHc=");
        assertThat(s.credentialsUsed()).containsExactly("U", "P");
        v.assertAllWiped();
    }

    @Test
    void compositeGoesThroughTheResolversCacheHook() {
        List<String> evaluated = new ArrayList<>();
        Map<String, byte[]> cache = new HashMap<>();
        Vault v = new Vault().with("U", "u").with("P", "p");
        CredentialResolver caching = new CredentialResolver() {
            @Override
            public Optional<byte[]> resolve(String name) {
                return v.resolve(name);
            }

            @Override
            public byte[] composite(dev.keyway.core.service.ValueExpression e, java.util.function.Supplier<byte[]> evaluate) {
                byte[] hit = cache.get(e.source());
                if (hit == null) {
                    evaluated.add(e.source());
                    hit = evaluate.get();
                    cache.put(e.source(), hit.clone());
                }
                return hit.clone();
            }
        };
        ServiceDefinition svc = service(Injection.Headers.of("Authorization", "Basic {base64(U + \":\" + P)}"));
        for (int i = 0; i < 3; i++) {
            assertThat(applied(Injector.apply(svc, head("/"), caching)).head().header("Authorization"))
                    .isEqualTo("Basic dTpw");
        }
        assertThat(evaluated).containsExactly("base64(U + \":\" + P)");
        assertThat(v.asked).containsExactly("U", "P"); // the credentials were read once, for the one evaluation
    }
}
