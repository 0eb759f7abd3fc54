package dev.keyway.server.runtime;

import dev.keyway.core.inject.HttpHead;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.AuthFailure;
import dev.keyway.proxy.spi.AuthResult;
import dev.keyway.proxy.spi.ConnectDecision;
import dev.keyway.proxy.spi.ProxyPrincipal;
import dev.keyway.proxy.spi.RequestDecision;
import dev.keyway.proxy.spi.RequestHead;
import dev.keyway.server.TestServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link KeywayProxyPolicy} as tables: the three questions the proxy asks (who is this, what to do with
 * this CONNECT, what to do with this request) against a real server's snapshot (vaults with each
 * unmatched-host policy, services with method/path rules, a disabled service, a missing credential,
 * tokens of every kind). The policy is built with a clock the test sets, so expiry is tested by
 * moving time, not by waiting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeywayProxyPolicyTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SECRET = "policy-table-secret-0123456789";
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    private TestServer ts;
    private final Map<String, String> tokens = new HashMap<>();
    private Instant now = Instant.now();
    private KeywayProxyPolicy policy;

    @BeforeAll
    void setUp(@TempDir Path dir) throws Exception {
        ts = TestServer.start(dir);
        ok(ts.call("POST", "/v1/vaults", "{\"name\":\"team\",\"unmatched\":\"deny\"}"));
        ok(ts.call("POST", "/v1/vaults", "{\"name\":\"lab\",\"unmatched\":\"intercept\"}"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/GITHUB_TOKEN", "{\"value\":\"" + SECRET + "\"}"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/OPENAI_API_KEY", "{\"value\":\"" + SECRET + "-oa\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"github","host":"api.github.com","methods":["GET"],"paths":["/repos/**"],
                 "inject":{"header":{"Authorization":"token {GITHUB_TOKEN}"}}}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"openai","host":"api.openai.com","inject":{"bearer":"OPENAI_API_KEY"}}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"off","host":"off.example.com","enabled":false,"inject":{"bearer":"OPENAI_API_KEY"}}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"nokey","host":"nokey.example.com","inject":{"bearer":"MISSING_KEY"}}"""));
        tokens.put("scoped", token(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}"))));
        tokens.put("team", token(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"team\",\"ttl\":\"1h\"}"))));
        tokens.put("lab", token(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"lab\",\"ttl\":\"1h\"}"))));
        tokens.put("agent-openai", token(ok(ts.call("POST", "/v1/agents",
                "{\"name\":\"narrow\",\"vaults\":[{\"vault\":\"default\",\"role\":\"proxy\"}],\"services\":[\"openai\"]}"))));
        String revoked = token(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}")));
        ok(ts.call("POST", "/v1/tokens/revoke", "{\"token\":\"" + revoked + "\"}"));
        tokens.put("revoked", revoked);
        tokens.put("admin", ts.adminToken);
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        policy = new KeywayProxyPolicy(ts.server.runtime()::current, ts.server.vaultServiceForTests(), clock);
    }

    @AfterAll
    void tearDown() {
        ts.close();
    }

    // ---- authenticate ----

    static Stream<Arguments> authentication() {
        return Stream.of(
                // header (TOKEN:x replaced by the named token), expected vault or error type and audited reason
                Arguments.of(null, null, ErrorType.PROXY_AUTH_REQUIRED, AuthFailure.MISSING),
                Arguments.of("   ", null, ErrorType.PROXY_AUTH_REQUIRED, AuthFailure.MISSING),
                Arguments.of("Digest abc", null, ErrorType.PROXY_AUTH_INVALID, AuthFailure.MALFORMED),
                Arguments.of("Basic !!!not-base64", null, ErrorType.PROXY_AUTH_INVALID, AuthFailure.MALFORMED),
                Arguments.of("Bearer kw_tok_unknown", null, ErrorType.PROXY_AUTH_INVALID, AuthFailure.UNKNOWN_TOKEN),
                Arguments.of("Bearer {scoped}", "default", null, null),
                Arguments.of("bearer {scoped}", "default", null, null),
                Arguments.of("Basic {scoped}:", "default", null, null),
                Arguments.of("Basic {scoped}:default", "default", null, null),
                Arguments.of("Basic {scoped}:team", null, ErrorType.PROXY_AUTH_INVALID, AuthFailure.WRONG_VAULT),
                Arguments.of("Basic {team}", "team", null, null),
                Arguments.of("Bearer {admin}", "default", null, null),
                Arguments.of("Basic {admin}:lab", "lab", null, null),
                Arguments.of("Basic {admin}:nope", null, ErrorType.PROXY_AUTH_INVALID, AuthFailure.WRONG_VAULT),
                Arguments.of("Bearer {revoked}", null, ErrorType.PROXY_AUTH_INVALID, AuthFailure.REVOKED),
                Arguments.of("Bearer {agent-openai}", "default", null, null));
    }

    @ParameterizedTest(name = "{0} -> {1} {2} {3}")
    @MethodSource("authentication")
    void authenticates(@Nullable String header, @Nullable String vault, @Nullable ErrorType error,
            @Nullable AuthFailure reason) {
        AuthResult r = policy.authenticate(header == null ? null : expand(header), CLIENT);
        if (error == null) {
            assertThat(r).isInstanceOfSatisfying(AuthResult.Authenticated.class,
                    a -> assertThat(a.principal().vaultName()).isEqualTo(vault));
        } else {
            assertThat(r).isInstanceOfSatisfying(AuthResult.Rejected.class, j -> {
                assertThat(j.problem().type()).isEqualTo(error);
                assertThat(j.problem().detail()).doesNotContain(SECRET).doesNotContain(tokens.values().toArray(String[]::new));
                assertThat(j.reason()).isEqualTo(reason);
                // the token's id is audited when the token exists (never its value)
                boolean known = reason == AuthFailure.REVOKED || reason == AuthFailure.WRONG_VAULT;
                if (known) {
                    assertThat(j.tokenId()).startsWith("tok_");
                    assertThat(tokens.values()).doesNotContain(j.tokenId());
                } else {
                    assertThat(j.tokenId()).isNull();
                }
            });
        }
    }

    @org.junit.jupiter.api.Test
    void anExpiredTokenIsRefusedOnceTheClockPassesItsExpiry() {
        ProxyPrincipal p = principal("scoped");
        assertThat(policy.isActive(p)).isTrue();
        Instant before = now;
        try {
            now = now.plus(Duration.ofHours(2));
            assertThat(policy.authenticate("Bearer " + tokens.get("scoped"), CLIENT)).isInstanceOfSatisfying(
                    AuthResult.Rejected.class, j -> {
                        assertThat(j.reason()).isEqualTo(AuthFailure.EXPIRED);
                        assertThat(j.tokenId()).isEqualTo(p.tokenId());
                    });
            assertThat(policy.isActive(p)).as("an open tunnel notices the expiry").isFalse();
        } finally {
            now = before;
        }
        assertThat(policy.isActive(principal("scoped"))).isTrue();
    }

    // ---- onConnect ----

    static Stream<Arguments> connects() {
        return Stream.of(
                Arguments.of("scoped", "api.openai.com", 443, "Intercept"),
                Arguments.of("scoped", "API.GitHub.com.", 443, "Intercept"),
                Arguments.of("scoped", "off.example.com", 443, "Intercept"), // answered 403 service-disabled inside
                Arguments.of("scoped", "elsewhere.example", 443, "Tunnel"),
                Arguments.of("team", "elsewhere.example", 443, "Deny"),
                Arguments.of("team", "api.openai.com", 443, "Deny"), // default vault's service, not team's
                Arguments.of("lab", "elsewhere.example", 443, "Intercept"),
                Arguments.of("agent-openai", "api.openai.com", 443, "Intercept"),
                Arguments.of("agent-openai", "api.github.com", 443, "Tunnel")); // not granted: nothing to inject
    }

    @ParameterizedTest(name = "{0} CONNECT {1}:{2} -> {3}")
    @MethodSource("connects")
    void decidesAtConnect(String who, String host, int port, String expected) {
        ConnectDecision d = policy.onConnect(principal(who), host, port);
        assertThat(d.getClass().getSimpleName()).isEqualTo(expected);
        if (d instanceof ConnectDecision.Deny deny) {
            assertThat(deny.problem().type()).isEqualTo(ErrorType.UNMATCHED_HOST_DENIED);
            // answered inside the tunnel, where clients show the detail
            assertThat(deny.delivery()).isEqualTo(ConnectDecision.Delivery.IN_TUNNEL);
        }
    }

    // ---- onRequest ----

    static Stream<Arguments> requests() {
        return Stream.of(
                // who, host, method, path, expected: injected credential / forward-plain / error type
                Arguments.of("scoped", "api.github.com", "GET", "/repos/a/b", "GITHUB_TOKEN"),
                Arguments.of("scoped", "api.github.com", "GET", "/repos/a/b?page=2", "GITHUB_TOKEN"),
                Arguments.of("scoped", "api.github.com", "DELETE", "/repos/a/b", "service-rule-denied"),
                Arguments.of("scoped", "api.github.com", "GET", "/user", "service-rule-denied"),
                Arguments.of("scoped", "api.github.com", "GET", "/repos/../user", "service-rule-denied"),
                Arguments.of("scoped", "api.github.com", "GET", "/repos/%2e%2e/user", "service-rule-denied"),
                Arguments.of("scoped", "api.openai.com", "POST", "/v1/chat/completions", "OPENAI_API_KEY"),
                Arguments.of("scoped", "off.example.com", "GET", "/", "service-disabled"),
                Arguments.of("scoped", "nokey.example.com", "GET", "/", "credential-unavailable"),
                Arguments.of("lab", "elsewhere.example", "GET", "/", "forward-plain"),
                Arguments.of("team", "elsewhere.example", "GET", "/", "unmatched-host-denied"),
                Arguments.of("agent-openai", "api.openai.com", "GET", "/v1/models", "OPENAI_API_KEY"),
                Arguments.of("agent-openai", "api.github.com", "GET", "/repos/a", "service-rule-denied"));
    }

    @ParameterizedTest(name = "{0} {2} {1}{3} -> {4}")
    @MethodSource("requests")
    void decidesPerRequest(String who, String host, String method, String path, String expected) {
        RequestHead head = new RequestHead("https", host, 443, method, path, List.of(
                new HttpHead.Header("Host", host),
                new HttpHead.Header("Authorization", "Bearer PLACEHOLDER"),
                new HttpHead.Header("Proxy-Authorization", "Bearer " + tokens.get(who))));
        RequestDecision d = policy.onRequest(principal(who), head);
        switch (expected) {
            case "forward-plain" -> assertThat(d).isInstanceOfSatisfying(RequestDecision.Forward.class, f -> {
                assertThat(f.injected()).isFalse();
                assertThat(f.head().headers()).noneMatch(h -> h.lowerName().startsWith("proxy-"));
            });
            case "GITHUB_TOKEN", "OPENAI_API_KEY" -> assertThat(d).isInstanceOfSatisfying(RequestDecision.Forward.class, f -> {
                assertThat(f.credentials()).containsExactly(expected);
                assertThat(f.head().headers()).noneMatch(h -> h.lowerName().startsWith("proxy-"));
                assertThat(f.head().headers().stream().filter(h -> h.lowerName().equals("authorization")))
                        .singleElement().satisfies(h -> assertThat(h.value()).contains(SECRET).doesNotContain("PLACEHOLDER"));
            });
            default -> assertThat(d).isInstanceOfSatisfying(RequestDecision.Deny.class, deny -> {
                assertThat(deny.problem().type().slug()).isEqualTo(expected);
                assertThat(deny.problem().detail()).doesNotContain(SECRET);
            });
        }
    }

    private ProxyPrincipal principal(String who) {
        AuthResult r = policy.authenticate("Bearer " + tokens.get(who), CLIENT);
        assertThat(r).as(who).isInstanceOf(AuthResult.Authenticated.class);
        return ((AuthResult.Authenticated) r).principal();
    }

    private String expand(String header) {
        String h = header;
        for (Map.Entry<String, String> t : tokens.entrySet()) {
            h = h.replace("{" + t.getKey() + "}", t.getValue());
        }
        if (h.startsWith("Basic ") && !h.contains("!")) {
            h = "Basic " + Base64.getEncoder().encodeToString(h.substring(6).getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }

    private static String token(String body) {
        return JSON.readTree(body).get("token").asString();
    }

    private static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }
}
