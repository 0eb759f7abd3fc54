package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** {@code keyway service add|list|show|enable|disable|remove|templates}: each injection option end to end. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliServiceTest {
    @TempDir
    static Path dir;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    static Stream<Arguments> injections() {
        return Stream.of(
                Arguments.of("bearer", List.of("--bearer", "OPENAI_API_KEY"), "{\"bearer\":\"OPENAI_API_KEY\"}"),
                Arguments.of("basic-creds", List.of("--basic", "USER_CRED:PASS_CRED"),
                        "{\"basic\":{\"username\":\"USER_CRED\",\"password\":\"PASS_CRED\"}}"),
                Arguments.of("basic-literal", List.of("--basic", "x-access-token:GITHUB_TOKEN"),
                        "{\"basic\":{\"username_literal\":\"x-access-token\",\"password\":\"GITHUB_TOKEN\"}}"),
                Arguments.of("one-header", List.of("--header", "Authorization: token {GITHUB_TOKEN}"),
                        "{\"header\":{\"Authorization\":\"token {GITHUB_TOKEN}\"}}"),
                Arguments.of("two-headers", List.of("--header", "DD-API-KEY: {DD_API_KEY}", "--header", "DD-APPLICATION-KEY:{DD_APP_KEY}"),
                        "{\"header\":{\"DD-API-KEY\":\"{DD_API_KEY}\",\"DD-APPLICATION-KEY\":\"{DD_APP_KEY}\"}}"),
                Arguments.of("query", List.of("--query", "key=GEMINI_API_KEY"), "{\"query\":{\"key\":\"GEMINI_API_KEY\"}}"),
                Arguments.of("substitute", List.of("--substitute", "__TG__=TELEGRAM_TOKEN", "--in", "path,query"),
                        "{\"substitute\":{\"placeholder\":\"__TG__\",\"credential\":\"TELEGRAM_TOKEN\",\"in\":[\"path\",\"query\"]}}"),
                Arguments.of("passthrough", List.of("--passthrough"), "\"none\""),
                // composite values: the expression goes to the server as written ('=' inside a literal included)
                Arguments.of("composite-header", List.of("--header", "Authorization: Basic {base64(JIRA_EMAIL + \":\" + JIRA_TOKEN)}"),
                        "{\"header\":{\"Authorization\":\"Basic {base64(JIRA_EMAIL + \\\":\\\" + JIRA_TOKEN)}\"}}"),
                Arguments.of("composite-query", List.of("--query", "sig={hmac_sha256(KEY, \"a=b\")}"),
                        "{\"query\":{\"sig\":\"{hmac_sha256(KEY, \\\"a=b\\\")}\"}}"),
                Arguments.of("composite-substitute", List.of("--substitute", "__AUTH__={base64(U + \"=\" + P)}", "--in", "header"),
                        "{\"substitute\":{\"placeholder\":\"__AUTH__\",\"credential\":\"{base64(U + \\\"=\\\" + P)}\",\"in\":[\"header\"]}}"),
                // request signing: the server fills in the defaults it applied
                Arguments.of("hmac", List.of("--hmac-credential", "EX_SECRET", "--hmac-template", "{timestamp}{method}{path}{body}",
                        "--hmac-header", "X-Sig", "--hmac-encoding", "base64", "--hmac-key-encoding", "base64",
                        "--hmac-timestamp-header", "X-Ts", "--hmac-extra-header", "X-Key: {EX_KEY}"),
                        "{\"hmac\":{\"key\":\"EX_SECRET\",\"key_encoding\":\"base64\",\"algorithm\":\"sha256\","
                                + "\"template\":\"{timestamp}{method}{path}{body}\",\"signature_header\":\"X-Sig\","
                                + "\"encoding\":\"base64\",\"timestamp_unit\":\"s\",\"timestamp_header\":\"X-Ts\","
                                + "\"headers\":{\"X-Key\":\"{EX_KEY}\"}}}"),
                Arguments.of("hmac-query", List.of("--hmac-credential", "BN_SECRET", "--hmac-template", "{query}{body}",
                        "--hmac-query", "signature", "--hmac-timestamp-unit", "ms", "--hmac-timestamp-query", "timestamp",
                        "--hmac-algorithm", "sha512"),
                        "{\"hmac\":{\"key\":\"BN_SECRET\",\"key_encoding\":\"raw\",\"algorithm\":\"sha512\","
                                + "\"template\":\"{query}{body}\",\"signature_query\":\"signature\",\"encoding\":\"hex\","
                                + "\"timestamp_unit\":\"ms\",\"timestamp_query\":\"timestamp\"}}"),
                Arguments.of("jwt", List.of("--jwt-credential", "CDP_KEY", "--jwt-algorithm", "ES256", "--jwt-kid", "{CDP_NAME}",
                        "--jwt-claim", "iss=cdp", "--jwt-claim", "uri={method} {host}{path}", "--jwt-nonce", "--jwt-lifetime", "60s"),
                        "{\"jwt\":{\"key\":\"CDP_KEY\",\"algorithm\":\"ES256\",\"kid\":\"{CDP_NAME}\","
                                + "\"claims\":{\"iss\":\"cdp\",\"uri\":\"{method} {host}{path}\"},\"lifetime\":\"1m\","
                                + "\"not_before\":true,\"nonce\":true}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("injections")
    void addWithEachInjection(String name, List<String> options, String expectedInject) {
        String host = name + ".example.com";
        List<String> args = new ArrayList<>(List.of("service", "add", name, "--host", host, "--method", "GET", "--path", "/v1/**"));
        args.addAll(options);
        var added = kw.cli(args.toArray(String[]::new)).ok();
        assertThat(added.out()).contains("Service " + name + " in vault default: " + host + " -> ");

        JsonNode svc = kw.cli("service", "show", name).ok().json();
        assertThat(svc.get("host").asString()).isEqualTo(host);
        assertThat(svc.get("methods").toString()).isEqualTo("[\"GET\"]");
        assertThat(svc.get("paths").toString()).isEqualTo("[\"/v1/**\"]");
        assertThat(svc.get("enabled").asBoolean()).isTrue();
        assertThat(svc.get("inject")).isEqualTo(CliHarness.JSON.readTree(expectedInject));
    }

    @Test
    void templatesGithubAndOpenaiWithCredentialOverride() {
        var templates = kw.cli("service", "templates").ok();
        assertThat(templates.out()).containsPattern("(?m)^github\\s+api\\.github\\.com\\s").containsPattern("(?m)^openai\\s");
        assertThat(kw.cli("service", "templates", "--json").ok().json().findValuesAsString("name")).contains("github", "openai");

        assertThat(kw.cli("service", "add", "gh", "--template", "github").ok().out()).contains("api.github.com");
        JsonNode gh = kw.cli("service", "show", "gh").ok().json();
        assertThat(gh.get("host").asString()).isEqualTo("api.github.com");
        assertThat(gh.get("inject").toString()).contains("GITHUB_TOKEN");

        kw.cli("service", "add", "oai", "--template", "openai", "--credential", "MY_KEY").ok();
        JsonNode oai = kw.cli("service", "show", "oai").ok().json();
        assertThat(oai.get("host").asString()).isEqualTo("api.openai.com");
        assertThat(oai.get("inject").toString()).isEqualTo("{\"bearer\":\"MY_KEY\"}");

        kw.cli("service", "add", "x", "--template", "no-such-template").expect(ExitCodes.NOT_FOUND);
        kw.cli("service", "add", "x", "--template", "github", "--bearer", "A").expect(ExitCodes.USAGE);
        // a per-tenant template needs the customer's own host, and only one under its suffix
        assertThat(kw.cli("service", "add", "db", "--template", "supabase").expect(ExitCodes.CONFLICT).err())
                .contains("--host").contains("per project");
        kw.cli("service", "add", "db", "--template", "supabase", "--host", "evil.example.com").expect(ExitCodes.CONFLICT);
        kw.cli("service", "add", "db", "--template", "supabase", "--host", "abcdefgh.supabase.co").ok();
        assertThat(kw.cli("service", "show", "db").ok().json().get("host").asString()).isEqualTo("abcdefgh.supabase.co");
        kw.cli("service", "remove", "db").ok();
        kw.cli("service", "add", "x", "--host", "a.example.com", "--bearer", "A", "--credential", "B").expect(ExitCodes.USAGE);
        // options the template endpoint cannot honour are refused, not silently dropped
        for (String opt : List.of("--disabled", "--allow-private", "--path=/x", "--method=GET", "--description=d", "--in=path")) {
            assertThat(kw.cli("service", "add", "x", "--template", "github", opt).expect(ExitCodes.USAGE).err())
                    .as(opt).contains("--template takes only");
        }
        kw.cli("service", "show", "x").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void listShowEnableDisableRemove() {
        kw.cli("vault", "create", "svc-life").ok();
        kw.cli("service", "add", "alpha", "--vault", "svc-life", "--host", "alpha.example.com", "--bearer", "ALPHA_KEY").ok();
        kw.cli("service", "add", "beta", "--vault", "svc-life", "--host", "*.beta.example.com", "--passthrough", "--disabled").ok();

        var table = kw.cli("service", "list", "--vault", "svc-life").ok();
        assertThat(table.out().split("\n")[0]).startsWith("NAME").contains("HOST", "METHODS", "PATHS", "INJECT", "ENABLED");
        assertThat(table.out())
                .containsPattern("(?m)^alpha\\s+alpha\\.example\\.com\\s+any\\s+any\\s+bearer\\s+yes$")
                .containsPattern("(?m)^beta\\s+\\*\\.beta\\.example\\.com\\s+any\\s+any\\s+none\\s+no$");
        // declaration order
        assertThat(kw.cli("service", "list", "--vault", "svc-life", "--json").ok().json().findValuesAsString("name"))
                .containsExactly("alpha", "beta");

        assertThat(kw.cli("service", "enable", "beta", "--vault", "svc-life").ok().out()).contains("Enabled service beta");
        assertThat(kw.cli("service", "show", "beta", "--vault", "svc-life").ok().json().get("enabled").asBoolean()).isTrue();
        assertThat(kw.cli("service", "disable", "alpha", "--vault", "svc-life").ok().out()).contains("Disabled service alpha");
        assertThat(kw.cli("service", "show", "alpha", "--vault", "svc-life").ok().json().get("enabled").asBoolean()).isFalse();

        assertThat(kw.cli("service", "remove", "alpha", "--vault", "svc-life").ok().out()).contains("Removed service alpha");
        assertThat(kw.cli("service", "list", "--vault", "svc-life", "--json").ok().json().findValuesAsString("name"))
                .containsExactly("beta");

        kw.cli("service", "show", "alpha", "--vault", "svc-life").expect(ExitCodes.NOT_FOUND);
        kw.cli("service", "remove", "alpha", "--vault", "svc-life").expect(ExitCodes.NOT_FOUND);
        kw.cli("service", "enable", "alpha", "--vault", "svc-life").expect(ExitCodes.NOT_FOUND);
        kw.cli("service", "list", "--vault", "no-such-vault").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void internalHostNeedsAllowPrivate() {
        var r = kw.cli("service", "add", "local", "--host", "localhost", "--bearer", "LOCAL_KEY").expect(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("localhost").contains("--allow-private");
        kw.cli("service", "show", "local").expect(ExitCodes.NOT_FOUND);

        var ip = kw.cli("service", "add", "local", "--host", "10.1.2.3:8080", "--bearer", "LOCAL_KEY").expect(ExitCodes.CONFLICT);
        assertThat(ip.err()).contains("IP address").contains("--allow-private");

        kw.cli("service", "add", "local", "--host", "localhost:11434", "--bearer", "LOCAL_KEY", "--allow-private").ok();
        assertThat(kw.cli("service", "show", "local").ok().json().get("allow_private").asBoolean()).isTrue();
    }

    @Test
    void plaintextNeedsAPrivateHost() {
        var r = kw.cli("service", "add", "pub", "--host", "api.example.com", "--bearer", "K", "--allow-plaintext")
                .expect(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("--allow-plaintext is only accepted for a private or loopback host");
        kw.cli("service", "show", "pub").expect(ExitCodes.NOT_FOUND);

        kw.cli("service", "add", "gw", "--host", "localhost:8080", "--bearer", "K", "--allow-private", "--allow-plaintext").ok();
        assertThat(kw.cli("service", "show", "gw").ok().json().get("allow_plaintext").asBoolean()).isTrue();
    }

    @Test
    void responseRedactionIsOnByDefaultAndTurnedOffOnAddOrSet() {
        kw.cli("service", "add", "echo", "--host", "echo.example.com", "--bearer", "K", "--method", "GET").ok();
        assertThat(kw.cli("service", "show", "echo").ok().json().has("redact_responses")).isFalse();
        kw.cli("service", "set", "echo", "--no-redact-responses").ok();
        var off = kw.cli("service", "show", "echo").ok().json();
        assertThat(off.get("redact_responses").asBoolean()).isFalse();
        assertThat(off.get("methods").get(0).asString()).as("the rest of the service is unchanged").isEqualTo("GET");
        kw.cli("service", "set", "echo", "--redact-responses").ok();
        assertThat(kw.cli("service", "show", "echo").ok().json().has("redact_responses")).isFalse();
        kw.cli("service", "set", "echo").expect(ExitCodes.USAGE);

        kw.cli("service", "add", "raw", "--host", "raw.example.com", "--bearer", "K", "--no-redact-responses").ok();
        assertThat(kw.cli("service", "show", "raw").ok().json().get("redact_responses").asBoolean()).isFalse();
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of("--host", "u.example.com", "--bearer", "A", "--query", "k=B"), "mutually exclusive"),
                Arguments.of(List.of("--host", "u.example.com", "--bearer", "A", "--passthrough"), "mutually exclusive"),
                Arguments.of(List.of("--host", "u.example.com"), "give one injection"),
                Arguments.of(List.of("--bearer", "A"), "--host is required"),
                Arguments.of(List.of("--host", "u.example.com", "--bearer", "A", "--in", "path"), "--in only applies"),
                Arguments.of(List.of("--host", "u.example.com", "--query", "key"), "PARAM=CRED"),
                Arguments.of(List.of("--host", "u.example.com", "--header", "no-colon"), "Name: value"),
                Arguments.of(List.of("--host", "u.example.com", "--header", "X-Key: {A}", "--header", "X-Key: {B}"), "given twice"),
                Arguments.of(List.of("--host", "u.example.com", "--substitute", "NOEQUALS"), "PLACEHOLDER=CRED"),
                Arguments.of(List.of("--host", "u.example.com", "--basic", "literal-user"), "USER:PASS"),
                Arguments.of(List.of("--host", "u.example.com", "--basic", "ONLY_CRED"), "USER:PASS"),
                Arguments.of(List.of("--host", "u.example.com", "--hmac-credential", "K"), "needs --hmac-template"),
                Arguments.of(List.of("--host", "u.example.com", "--bearer", "A", "--hmac-template", "{query}"),
                        "the --hmac-* options need --hmac-credential"),
                Arguments.of(List.of("--template", "binance", "--hmac-header", "X"), "the --hmac-* options need --hmac-credential"),
                Arguments.of(List.of("--host", "u.example.com", "--jwt-credential", "K"), "needs --jwt-algorithm"),
                Arguments.of(List.of("--host", "u.example.com", "--jwt-credential", "K", "--jwt-algorithm", "ES256", "--jwt-claim",
                        "iss"), "NAME=TEMPLATE"),
                Arguments.of(List.of("--host", "u.example.com", "--bearer", "A", "--jwt-nonce"),
                        "the --jwt-* options need --jwt-credential"),
                Arguments.of(List.of("--host", "u.example.com", "--bearer", "A", "--hmac-credential", "K"), "mutually exclusive"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("usageErrors")
    void usageErrorsExitOne(List<String> options, String message) {
        List<String> args = new ArrayList<>(List.of("service", "add", "usage"));
        args.addAll(options);
        var r = kw.cli(args.toArray(String[]::new)).expect(ExitCodes.USAGE);
        assertThat(r.err()).contains(message);
        kw.cli("service", "show", "usage").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void aTemplateTypoIsRefusedByTheServerWithItsPosition() {
        var r = kw.cli("service", "add", "typo", "--host", "typo.example.com", "--hmac-credential", "K", "--hmac-template",
                "{timestamp}{methd}", "--hmac-header", "X-Sig").expect(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("unknown variable '{methd}' at position 11");
    }

    @Test
    void invalidInjectionIsAValidationError() {
        var r = kw.cli("service", "add", "bad", "--host", "bad.example.com", "--bearer", "lower").expect(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("lower");
    }
}
