package dev.keyway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.service.Injection;
import dev.keyway.core.service.ServiceCatalog;
import dev.keyway.core.service.ServiceDefinition;
import dev.keyway.core.service.ServiceValidator;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The hmac and jwt injections end to end through the pure {@link Injector}, checked as each provider verifies. */
class SignedInjectionTest {
    private static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_123L);
    private static final String BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    private static SignContext ctx(String body) {
        return new SignContext("api.example.com", body.getBytes(StandardCharsets.UTF_8), NOW, "0123456789abcdef0123456789abcdef");
    }

    private static HttpHead head(String method, String target, HttpHead.Header... headers) {
        return new HttpHead(method, target, List.of(headers));
    }

    /**
     * Binance: signature = hex HMAC-SHA256(secret, totalParams), totalParams = query string then body; the
     * client's stale timestamp and its own signature (made with the placeholder) are replaced.
     */
    @Test
    void binanceTemplateSignsQueryAndBodyAsBinanceVerifies() throws Exception {
        ServiceDefinition binance = ServiceCatalog.instantiate("binance", "binance", Map.of());
        InjectorTest.Vault vault = new InjectorTest.Vault().with("BINANCE_SECRET_KEY", BINANCE_SECRET)
                .with("BINANCE_API_KEY", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A");
        HttpHead in = head("POST", "/api/v3/order?symbol=LTCBTC&timestamp=1&signature=placeholdersig&recvWindow=5000",
                new HttpHead.Header("Host", "api.binance.com"), new HttpHead.Header("X-MBX-APIKEY", "placeholder"),
                new HttpHead.Header("Content-Type", "application/x-www-form-urlencoded"));
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(binance, in, vault,
                ctx("quantity=1&price=0.1"));
        String target = a.head().pathAndQuery();
        assertThat(target).startsWith("/api/v3/order?symbol=LTCBTC&timestamp=1700000000123&recvWindow=5000&signature=");
        String totalParams = "symbol=LTCBTC&timestamp=1700000000123&recvWindow=5000" + "quantity=1&price=0.1";
        assertThat(target.substring(target.indexOf("&signature=") + 11)).isEqualTo(hmacHex("HmacSHA256",
                BINANCE_SECRET.getBytes(StandardCharsets.US_ASCII), totalParams));
        assertThat(a.head().header("X-MBX-APIKEY")).isEqualTo("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A");
        assertThat(a.head().headers()).filteredOn(h -> h.name().equalsIgnoreCase("x-mbx-apikey")).hasSize(1);
        assertThat(a.credentialsUsed()).containsExactly("BINANCE_SECRET_KEY", "BINANCE_API_KEY");
        a.echoes().close();
        vault.assertAllWiped();
    }

    /** Coinbase Exchange: base64 HMAC-SHA256 under the base64-decoded secret of timestamp + method + requestPath + body. */
    @Test
    void coinbaseExchangeTemplateSignsAsCoinbaseVerifies() throws Exception {
        ServiceDefinition cb = ServiceCatalog.instantiate("coinbase-exchange", "cbx", Map.of());
        byte[] rawKey = "a 64-byte key for coinbase exchange, made up for this test only!!".getBytes(StandardCharsets.US_ASCII);
        InjectorTest.Vault vault = new InjectorTest.Vault()
                .with("COINBASE_EXCHANGE_SECRET", Base64.getEncoder().encodeToString(rawKey))
                .with("COINBASE_EXCHANGE_KEY", "k").with("COINBASE_EXCHANGE_PASSPHRASE", "p");
        String body = "{\"price\":\"1.0\",\"size\":\"1.0\",\"side\":\"buy\",\"product_id\":\"BTC-USD\"}";
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(cb,
                head("POST", "/orders?x=1", new HttpHead.Header("CB-ACCESS-SIGN", "agent's"),
                        new HttpHead.Header("CB-ACCESS-TIMESTAMP", "1")), vault, ctx(body));
        assertThat(a.head().header("CB-ACCESS-TIMESTAMP")).isEqualTo("1700000000");
        assertThat(a.head().header("CB-ACCESS-SIGN")).isEqualTo(Base64.getEncoder().encodeToString(
                hmac("HmacSHA256", rawKey, "1700000000POST/orders?x=1" + body)));
        assertThat(a.head().headers()).filteredOn(h -> h.name().equalsIgnoreCase("cb-access-sign")).hasSize(1);
        assertThat(a.head().header("CB-ACCESS-KEY")).isEqualTo("k");
        assertThat(a.head().header("CB-ACCESS-PASSPHRASE")).isEqualTo("p");
        assertThat(a.head().pathAndQuery()).isEqualTo("/orders?x=1");
        a.echoes().close();
    }

    /** Coinbase CDP: ES256 JWT, kid and sub the key name, uri "METHOD host/path", exp - nbf = 120 s, nonce in the header. */
    @Test
    void coinbaseCdpTemplateMakesAJwtTheFakeCanVerify() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        ServiceDefinition cdp = ServiceCatalog.instantiate("coinbase-cdp", "cdp", Map.of());
        String name = "organizations/o1/apiKeys/k1";
        InjectorTest.Vault vault = new InjectorTest.Vault().with("COINBASE_CDP_KEY_NAME", name)
                .with("COINBASE_CDP_PRIVATE_KEY", dev.keyway.core.sign.JwtsTest.pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(cdp,
                head("GET", "/api/v3/brokerage/accounts?limit=5", new HttpHead.Header("Host", "api.coinbase.com"),
                        new HttpHead.Header("Authorization", "Bearer agent-made")), vault, ctx(""));
        String auth = a.head().header("Authorization");
        assertThat(auth).startsWith("Bearer ");
        String[] parts = auth.substring(7).split("\\.");
        Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
        v.initVerify(pair.getPublic());
        v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(v.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
        Map<String, Object> header = JsonMapper.shared().readValue(Base64.getUrlDecoder().decode(parts[0]), new tools.jackson.core.type.TypeReference<Map<String, Object>>() {});
        Map<String, Object> claims = JsonMapper.shared().readValue(Base64.getUrlDecoder().decode(parts[1]), new tools.jackson.core.type.TypeReference<Map<String, Object>>() {});
        assertThat(header).containsEntry("alg", "ES256").containsEntry("kid", name)
                .containsEntry("nonce", "0123456789abcdef0123456789abcdef");
        assertThat(claims).containsEntry("iss", "cdp").containsEntry("sub", name)
                .containsEntry("uri", "GET api.coinbase.com/api/v3/brokerage/accounts")
                .containsEntry("nbf", 1700000000).containsEntry("iat", 1700000000).containsEntry("exp", 1700000120);
        assertThat(a.head().headers()).filteredOn(h -> h.name().equalsIgnoreCase("authorization")).hasSize(1);
        assertThat(a.credentialsUsed()).containsExactly("COINBASE_CDP_PRIVATE_KEY", "COINBASE_CDP_KEY_NAME");
        a.echoes().close();
        vault.assertAllWiped();
    }

    /** The minted JWT is a bearer credential: an upstream echoing it (whole, or JSON-quoted) gets it redacted. */
    @Test
    void theMintedJwtIsAmongTheEchoesScannedFor() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        ServiceDefinition cdp = ServiceCatalog.instantiate("coinbase-cdp", "cdp", Map.of());
        InjectorTest.Vault vault = new InjectorTest.Vault().with("COINBASE_CDP_KEY_NAME", "organizations/o1/apiKeys/k1")
                .with("COINBASE_CDP_PRIVATE_KEY",
                        dev.keyway.core.sign.JwtsTest.pem("PRIVATE KEY", g.generateKeyPair().getPrivate().getEncoded()));
        InjectionResult.Applied a = (InjectionResult.Applied) Injector.apply(cdp,
                head("GET", "/api/v3/brokerage/accounts", new HttpHead.Header("Host", "api.coinbase.com")), vault, ctx(""));
        String jwt = a.head().header("Authorization").substring(7);
        try (Redactions echoes = a.echoes()) {
            String echoed = "{\"authorization\":\"Bearer " + jwt + "\",\"token\":\"" + jwt + "\"}";
            byte[] in = echoed.getBytes(StandardCharsets.US_ASCII);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            StreamRedactor r = echoes.stream();
            for (int i = 0; i < in.length; i += 7) { // split into parts: the token straddles several
                r.update(in, i, Math.min(7, in.length - i), out::write);
            }
            r.finish(out::write);
            assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("{\"authorization\":\"Bearer "
                    + "[REDACTED:COINBASE_CDP_KEY_NAME+COINBASE_CDP_PRIVATE_KEY]\",\"token\":\""
                    + "[REDACTED:COINBASE_CDP_KEY_NAME+COINBASE_CDP_PRIVATE_KEY]\"}");
            assertThat(r.redactions()).isEqualTo(2);
            assertThat(echoes.scan("x-echo: " + jwt).value()).isEqualTo(
                    "x-echo: [REDACTED:COINBASE_CDP_KEY_NAME+COINBASE_CDP_PRIVATE_KEY]");
            assertThat(echoes.toString()).doesNotContain(jwt);
        }
        vault.assertAllWiped();
    }

    @Test
    void withoutASigningContextNothingIsInjectedAndTheRequestFails() {
        ServiceDefinition binance = ServiceCatalog.instantiate("binance", "binance", Map.of());
        InjectionResult r = Injector.apply(binance, head("GET", "/api/v3/account"), new InjectorTest.Vault());
        assertThat(r).isInstanceOfSatisfying(InjectionResult.Failed.class,
                f -> assertThat(f.type()).isEqualTo(ErrorType.CREDENTIAL_UNAVAILABLE));
    }

    @Test
    void anUnusableKeyIsRefusedNamingTheCredentialNeverItsValue() {
        ServiceDefinition cdp = ServiceCatalog.instantiate("coinbase-cdp", "cdp", Map.of());
        InjectorTest.Vault vault = new InjectorTest.Vault().with("COINBASE_CDP_KEY_NAME", "n")
                .with("COINBASE_CDP_PRIVATE_KEY", "SECRETSECRETSECRET");
        InjectionResult r = Injector.apply(cdp, head("GET", "/"), vault, ctx(""));
        assertThat(r).isInstanceOfSatisfying(InjectionResult.Failed.class, f -> assertThat(f.detail())
                .contains("COINBASE_CDP_PRIVATE_KEY", "not a usable ES256 private key").doesNotContain("SECRETSECRET"));
        vault.assertAllWiped();
        ServiceDefinition cbx = ServiceCatalog.instantiate("coinbase-exchange", "cbx", Map.of());
        InjectorTest.Vault v2 = new InjectorTest.Vault().with("COINBASE_EXCHANGE_SECRET", "not*base64!")
                .with("COINBASE_EXCHANGE_KEY", "k").with("COINBASE_EXCHANGE_PASSPHRASE", "p");
        assertThat(Injector.apply(cbx, head("GET", "/"), v2, ctx(""))).isInstanceOfSatisfying(InjectionResult.Failed.class,
                f -> assertThat(f.detail()).contains("COINBASE_EXCHANGE_SECRET", "not valid base64").doesNotContain("not*base64"));
    }

    /** The YAML/JSON shape round-trips, and what a user writes is what the catalog builds. */
    @Test
    void wireShapeRoundTrips() throws Exception {
        String yaml = """
                name: ex
                host: api.example.com
                inject:
                  hmac:
                    key: EX_SECRET
                    key_encoding: base64
                    algorithm: sha512
                    template: "{timestamp}{method}{path}{body_sha256}"
                    signature_header: X-Sig
                    encoding: base64
                    timestamp_unit: ms
                    timestamp_header: X-Ts
                    nonce_header: X-Nonce
                    headers: { X-Key: "{EX_KEY}" }
                """;
        YAMLMapper y = YAMLMapper.builder().build();
        ServiceDefinition d = y.readValue(yaml, ServiceDefinition.class);
        ServiceValidator.validate(d);
        Injection.Hmac h = (Injection.Hmac) d.injection();
        assertThat(h.stringToSign().needsBody()).isTrue();
        assertThat(d.injection().credentialNames()).containsExactly("EX_SECRET", "EX_KEY");
        ServiceDefinition again = JsonMapper.shared().readValue(JsonMapper.shared().writeValueAsString(d), ServiceDefinition.class);
        assertThat(again).isEqualTo(d);
        for (String t : List.of("binance", "coinbase-exchange", "coinbase-cdp")) {
            ServiceDefinition c = ServiceCatalog.instantiate(t, t, Map.of());
            assertThat(JsonMapper.shared().readValue(JsonMapper.shared().writeValueAsString(c), ServiceDefinition.class))
                    .isEqualTo(c);
        }
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("{ hmac: { key: K, template: '{methd}', signature_header: X-S } }", "inject.hmac.template",
                        "unknown variable '{methd}' at position 0"),
                Arguments.of("{ hmac: { key: K, template: '{query}' } }", "inject.hmac", "signature_header"),
                Arguments.of("{ hmac: { key: k, template: '{query}', signature_query: s } }", "inject.hmac.key", "not a credential name"),
                Arguments.of("{ hmac: { key: K, template: '{query}', signature_header: Host } }", "inject.hmac.signature_header",
                        "frames or routes"),
                Arguments.of("{ hmac: { key: K, template: '{query}', signature_query: 'a b' } }", "inject.hmac.signature_query",
                        "must be 1-64"),
                Arguments.of("{ hmac: { key: K, template: '{query}', signature_header: X-S, timestamp_header: x-s } }",
                        "inject.hmac.timestamp_header", "used twice"),
                Arguments.of("{ jwt: { key: K, algorithm: ES256, claims: { exp: '1' } } }", "inject.jwt.claims.exp",
                        "set by Keyway"),
                Arguments.of("{ jwt: { key: K, algorithm: ES256, claims: { uri: '{method} {body}' } } }", "inject.jwt.claims",
                        "claim 'uri': variable '{body}' at position 9 is not available here"),
                Arguments.of("{ jwt: { key: K, algorithm: ES256, lifetime: 2h } }", "inject.jwt.lifetime", "1s to 10m"),
                Arguments.of("{ jwt: { key: K, algorithm: ES256, kid: '{method}' } }", "inject.jwt.kid", "kid: variable"));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource("invalid")
    void invalidDefinitionsAreRefusedWhenSavedNamingTheField(String inject, String field, String message) throws Exception {
        ServiceDefinition d = YAMLMapper.builder().build().readValue("name: s\nhost: api.example.com\ninject: " + inject,
                ServiceDefinition.class);
        assertThatThrownBy(() -> ServiceValidator.validate(d)).isInstanceOfSatisfying(KeywayException.class, e -> {
            assertThat(e.extras()).containsEntry("field", field);
            assertThat(e.detail()).contains(message);
        });
    }

    @Test
    void shapeErrorsNameTheMember() {
        assertThatThrownBy(() -> YAMLMapper.builder().build().readValue(
                "name: s\nhost: h.example.com\ninject: { hmac: { key: K, template: x, algo: sha1 } }", ServiceDefinition.class))
                .hasMessageContaining("inject.hmac: unknown member 'algo'");
        assertThatThrownBy(() -> YAMLMapper.builder().build().readValue(
                "name: s\nhost: h.example.com\ninject: { jwt: { key: K, algorithm: HS256 } }", ServiceDefinition.class))
                .hasMessageContaining("expected ES256, RS256 or EdDSA");
    }

    private static String hmacHex(String alg, byte[] key, String msg) throws Exception {
        return java.util.HexFormat.of().formatHex(hmac(alg, key, msg));
    }

    private static byte[] hmac(String alg, byte[] key, String msg) throws Exception {
        Mac m = Mac.getInstance(alg);
        m.init(new SecretKeySpec(key, alg));
        return m.doFinal(msg.getBytes(StandardCharsets.UTF_8));
    }
}
