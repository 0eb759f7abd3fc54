package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Request signing end to end (issue 12 §2): real curl and Python through the proxy to a fake
 * exchange that verifies every request exactly as each provider documents it and answers 401
 * otherwise — Binance spot (hex HMAC-SHA256 of query + body as the last {@code signature=}
 * parameter, {@code timestamp} within {@code recvWindow}), Coinbase Exchange (base64 HMAC-SHA256
 * under the base64-decoded secret of timestamp + method + requestPath + body, timestamp within 30 s)
 * and a Coinbase CDP key (ES256 JWT verified with the public key; {@code uri} is the request,
 * {@code exp - nbf} is 120 s, a nonce never repeats). The agent holds placeholders only; the fake
 * refuses the agent's own signatures; an over-limit body is 413 and nothing reaches the fake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestSigningEndToEndTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Binance's documented example keys (endpoint-security-type page). */
    static final String BINANCE_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    static final String BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    static final byte[] CBX_KEY_BYTES = "coinbase-exchange raw key bytes, 64 long, for this test only!!!!"
            .getBytes(StandardCharsets.US_ASCII);
    static final String CBX_SECRET = Base64.getEncoder().encodeToString(CBX_KEY_BYTES);
    static final String CBX_PASSPHRASE = "cbx-passphrase-canary";
    static final String CDP_KEY_NAME = "organizations/e2e/apiKeys/k1";

    @TempDir
    static Path dir;

    MockWebServer upstream;
    TestServer ts;
    String proxyUrl;
    Path keywayCa;
    KeyPair cdp;
    String cdpPem;
    /** Every request the fake received, recorded before it answers, with its verdict. */
    final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    final Set<String> nonces = Collections.synchronizedSet(new HashSet<>());

    @BeforeAll
    void start() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        cdp = g.generateKeyPair();
        cdpPem = sec1Pem(cdp.getPrivate().getEncoded());
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream CA").ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(ca).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String verdict = verify(r);
                seen.add(r.getMethod() + " " + r.getTarget() + " -> " + verdict);
                return verdict.equals("ok") ? new MockResponse.Builder().code(200).body("{\"ok\":true}").build()
                        : new MockResponse.Builder().code(401).body("{\"msg\":\"" + verdict + "\"}").build();
            }
        });
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        Path data = dir.resolve("data");
        ts = TestServer.start(ServerConfig.defaults(data).withPorts(0, 0).withUpstream(caFile, null, true, List.of()));
        keywayCa = data.resolve("ca.pem");
        put("BINANCE_API_KEY", BINANCE_KEY);
        put("BINANCE_SECRET_KEY", BINANCE_SECRET);
        put("COINBASE_EXCHANGE_KEY", "cbx-key");
        put("COINBASE_EXCHANGE_SECRET", CBX_SECRET);
        put("COINBASE_EXCHANGE_PASSPHRASE", CBX_PASSPHRASE);
        put("COINBASE_CDP_KEY_NAME", CDP_KEY_NAME);
        put("COINBASE_CDP_PRIVATE_KEY", cdpPem);
        int port = upstream.getPort();
        // the catalog templates' inject blocks, on the fake's host (services.yaml and the API take the same JSON)
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"binance","host":"localhost:%d","allow_private":true,"paths":["/api/v3/order","/api/v3/account"],
                 "inject":{"hmac":{"key":"BINANCE_SECRET_KEY","template":"{query}{body}","signature_query":"signature",
                   "timestamp_unit":"ms","timestamp_query":"timestamp","headers":{"X-MBX-APIKEY":"{BINANCE_API_KEY}"}}}}"""
                .formatted(port)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"cbx","host":"localhost:%d","allow_private":true,"paths":["/orders","/accounts"],
                 "inject":{"hmac":{"key":"COINBASE_EXCHANGE_SECRET","key_encoding":"base64",
                   "template":"{timestamp}{method}{path_query}{body}","signature_header":"CB-ACCESS-SIGN","encoding":"base64",
                   "timestamp_header":"CB-ACCESS-TIMESTAMP","headers":{"CB-ACCESS-KEY":"{COINBASE_EXCHANGE_KEY}",
                   "CB-ACCESS-PASSPHRASE":"{COINBASE_EXCHANGE_PASSPHRASE}"}}}}""".formatted(port)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"cdp","host":"localhost:%d","allow_private":true,"paths":["/api/v3/brokerage/**"],
                 "inject":{"jwt":{"key":"COINBASE_CDP_PRIVATE_KEY","algorithm":"ES256","kid":"{COINBASE_CDP_KEY_NAME}",
                   "claims":{"iss":"cdp","sub":"{COINBASE_CDP_KEY_NAME}","uri":"{method} {host}{path}"},"lifetime":"120s",
                   "nonce":true}}}""".formatted(port)));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\"}")))
                .get("token").asString();
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
    }

    // ---- the fake exchange: each provider's documented verification ----------------------------

    private static final Pattern BINANCE = Pattern.compile("^(/api/v3/[a-z]+)\\?(.*)&signature=([0-9a-f]{64})$");

    String verify(RecordedRequest r) {
        String target = r.getTarget();
        String body = r.getBody() == null ? "" : r.getBody().utf8();
        long now = System.currentTimeMillis();
        if (target.startsWith("/api/v3/brokerage/")) {
            return verifyCdp(r, target);
        }
        if (target.startsWith("/api/v3/")) {
            if (!BINANCE_KEY.equals(r.getHeaders().get("X-MBX-APIKEY"))) {
                return "API-key format invalid";
            }
            Matcher m = BINANCE.matcher(target);
            if (!m.matches()) {
                return "signature missing or not the last parameter";
            }
            if (!m.group(3).equals(hex(hmac("HmacSHA256", BINANCE_SECRET.getBytes(StandardCharsets.US_ASCII), m.group(2) + body)))) {
                return "Signature for this request is not valid.";
            }
            Matcher ts = Pattern.compile("(^|&)timestamp=(\\d+)(&|$)").matcher(m.group(2));
            if (!ts.find() || Math.abs(now - Long.parseLong(ts.group(2))) > 5000) {
                return "Timestamp for this request is outside of the recvWindow.";
            }
            return "ok";
        }
        String timestamp = r.getHeaders().get("CB-ACCESS-TIMESTAMP");
        String sign = r.getHeaders().get("CB-ACCESS-SIGN");
        if (timestamp == null || sign == null || !"cbx-key".equals(r.getHeaders().get("CB-ACCESS-KEY"))
                || !CBX_PASSPHRASE.equals(r.getHeaders().get("CB-ACCESS-PASSPHRASE"))) {
            return "invalid api key";
        }
        if (Math.abs(now / 1000 - Long.parseLong(timestamp)) > 30) {
            return "request timestamp expired";
        }
        String expected = Base64.getEncoder().encodeToString(hmac("HmacSHA256", Base64.getDecoder().decode(CBX_SECRET),
                timestamp + r.getMethod() + target + body));
        return expected.equals(sign) ? "ok" : "invalid signature";
    }

    String verifyCdp(RecordedRequest r, String target) {
        String auth = r.getHeaders().get("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            return "missing bearer";
        }
        String[] parts = auth.substring(7).split("\\.");
        try {
            Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
            v.initVerify(cdp.getPublic());
            v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!v.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return "bad jwt signature";
            }
            Map<String, Object> header = JSON.readValue(Base64.getUrlDecoder().decode(parts[0]), new TypeReference<>() {});
            Map<String, Object> claims = JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), new TypeReference<>() {});
            long now = System.currentTimeMillis() / 1000;
            long nbf = ((Number) claims.get("nbf")).longValue();
            long exp = ((Number) claims.get("exp")).longValue();
            int q = target.indexOf('?');
            // Coinbase's format_jwt_uri: "METHOD host/path" (the authority the client asked for, no query)
            String uri = r.getMethod() + " localhost:" + upstream.getPort() + (q < 0 ? target : target.substring(0, q));
            if (!"ES256".equals(header.get("alg")) || !CDP_KEY_NAME.equals(header.get("kid")) || !"cdp".equals(claims.get("iss"))
                    || !CDP_KEY_NAME.equals(claims.get("sub")) || !uri.equals(claims.get("uri"))) {
                return "claims mismatch";
            }
            if (exp - nbf != 120 || nbf > now + 5 || exp < now) {
                return "jwt expired or too long";
            }
            if (!(header.get("nonce") instanceof String nonce) || !nonce.matches("[0-9a-f]{32}") || !nonces.add(nonce)) {
                return "nonce missing or reused";
            }
            return "ok";
        } catch (Exception e) {
            return "unreadable jwt";
        }
    }

    // ---- the tests --------------------------------------------------------------------------------

    @Test
    void binanceGetAndPostWithCurlAreSignedAsBinanceVerifies() throws Exception {
        int before = seen.size();
        Curl.Result get = curl("-H", "X-MBX-APIKEY: placeholder-api-key",
                url("/api/v3/account?recvWindow=5000&timestamp=1&signature=" + "0".repeat(64)));
        assertThat(get.out()).as(get.err()).isEqualTo("{\"ok\":true}");
        Curl.Result post = curl("-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded",
                "--data-binary", "quantity=1&price=0.1", url("/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT"));
        assertThat(post.out()).as(post.err()).isEqualTo("{\"ok\":true}");
        assertThat(seen.subList(before, seen.size())).hasSize(2).allMatch(s -> s.endsWith("-> ok"));
        assertThat(seen.get(before)).startsWith("GET /api/v3/account?recvWindow=5000&timestamp=");
        assertNoSecretIn(get.out() + get.err() + post.out() + post.err());
    }

    @Test
    void theFakeRefusesTheAgentsOwnSignature() throws Exception {
        // the negative control: a real client signing with the placeholder secret, straight to the fake
        String query = "timestamp=" + System.currentTimeMillis();
        String forged = hex(hmac("HmacSHA256", "placeholder-secret".getBytes(StandardCharsets.US_ASCII), query));
        Path upstreamCa = dir.resolve("upstream-ca.pem");
        Curl.Result r = Curl.run("-sS", "--max-time", "30", "--noproxy", "*", "--cacert", upstreamCa.toString(),
                "-H", "X-MBX-APIKEY: " + BINANCE_KEY, "-w", "\n%{http_code}", url("/api/v3/account?" + query + "&signature=" + forged));
        assertThat(r.out()).endsWith("401").contains("Signature for this request is not valid.");
    }

    @Test
    void coinbaseExchangeWithPythonIsSignedOverMethodPathQueryAndBody() throws Exception {
        Path py = dir.resolve("cbx.py");
        Files.writeString(py, """
                import json, ssl, sys, urllib.request
                ctx = ssl.create_default_context(cafile=sys.argv[2])
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": sys.argv[1]}),
                                                     urllib.request.HTTPSHandler(context=ctx))
                body = json.dumps({"price": "1.0", "size": "1.0", "side": "buy", "product_id": "BTC-USD"}).encode()
                req = urllib.request.Request(sys.argv[3], data=body, method="POST",
                        headers={"Content-Type": "application/json", "CB-ACCESS-SIGN": "placeholder",
                                 "CB-ACCESS-KEY": "placeholder", "CB-ACCESS-TIMESTAMP": "1"})
                with opener.open(req, timeout=30) as r:
                    print(r.status, r.read().decode())
                """);
        int before = seen.size();
        ProcessBuilder pb = new ProcessBuilder("python3", py.toString(), proxyUrl, keywayCa.toString(), url("/orders?client=py"))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
        Process p = pb.redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).as(out).contains("200 {\"ok\":true}");
        assertThat(seen.subList(before, seen.size())).singleElement().asString().isEqualTo("POST /orders?client=py -> ok");
        assertNoSecretIn(out);
    }

    @Test
    void coinbaseCdpGetsAFreshEs256JwtPerRequest() throws Exception {
        int before = seen.size();
        for (int i = 0; i < 2; i++) {
            Curl.Result r = curl("-H", "Authorization: Bearer agent-placeholder", url("/api/v3/brokerage/accounts?limit=5"));
            assertThat(r.out()).as(r.err()).isEqualTo("{\"ok\":true}");
        }
        assertThat(seen.subList(before, seen.size())).hasSize(2).allMatch(s -> s.endsWith("-> ok"));
        assertThat(nonces).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aBodyTooLargeToSignIs413AndNothingReachesTheUpstream() throws Exception {
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[8 * 1024 * 1024 + 1]);
        int before = seen.size();
        Curl.Result r = curl("-X", "POST", "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
                "--data-binary", "@" + big, "-w", "\n%{http_code}", url("/api/v3/order?symbol=LTCBTC"));
        assertThat(r.out()).endsWith("413").contains("payload-too-large").contains("signs each request over its body");
        // a signed request afterwards is the next thing the fake sees: the large one never arrived
        assertThat(curl(url("/api/v3/account?x=1")).out()).isEqualTo("{\"ok\":true}");
        assertThat(seen.subList(before, seen.size())).singleElement().asString().startsWith("GET /api/v3/account?x=1&timestamp=");
    }

    @Test
    void aTypoInTheTemplateIsRefusedWhenSavedWithItsPosition() throws Exception {
        HttpResponse<String> r = ts.call("POST", "/v1/vaults/default/services", """
                {"name":"typo","host":"typo.example.com",
                 "inject":{"hmac":{"key":"K","template":"{timestamp}{methd}","signature_header":"X-Sig"}}}""");
        assertThat(r.statusCode()).isEqualTo(422);
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("field").asString()).isEqualTo("inject.hmac.template");
        assertThat(p.get("detail").asString()).contains("unknown variable '{methd}' at position 11");
    }

    @Test
    void theKeysNeverReachTheAuditOrAnyFileOnDiskInClear() throws Exception {
        assertThat(curl(url("/api/v3/account?y=1")).out()).isEqualTo("{\"ok\":true}");
        Path audit = dir.resolve("data/audit.jsonl");
        String all = "";
        for (int i = 0; i < 100 && !all.contains("BINANCE_SECRET_KEY"); i++) {
            all = Files.exists(audit) ? Files.readString(audit) : "";
            Thread.sleep(100); // the audit writer is asynchronous: a bounded poll, not a timing assertion
        }
        assertThat(all).contains("BINANCE_SECRET_KEY");
        try (Stream<Path> files = Files.walk(dir.resolve("data"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertNoSecretIn(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    void assertNoSecretIn(String text) {
        assertThat(text).doesNotContain(BINANCE_SECRET).doesNotContain(CBX_SECRET).doesNotContain(CBX_PASSPHRASE)
                .doesNotContain(cdpPem.substring(40, 90));
    }

    String url(String path) {
        return "https://localhost:" + upstream.getPort() + path;
    }

    Curl.Result curl(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-sS", "--max-time", "60", "--proxy", proxyUrl, "--cacert", keywayCa.toString()));
        all.addAll(List.of(args));
        Curl.Result r = Curl.run(all.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return r;
    }

    void put(String name, String value) throws Exception {
        ok(ts.call("PUT", "/v1/vaults/default/credentials/" + name, JSON.writeValueAsString(Map.of("value", value))));
    }

    static String ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    static byte[] hmac(String alg, byte[] key, String message) {
        try {
            Mac m = Mac.getInstance(alg);
            m.init(new SecretKeySpec(key, alg));
            return m.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** The SEC1 "EC PRIVATE KEY" PEM inside a P-256 PKCS#8 encoding, the form Coinbase CDP hands out. */
    static String sec1Pem(byte[] pkcs8) {
        int octet = 2 + 3 + 21;
        byte[] sec1 = java.util.Arrays.copyOfRange(pkcs8, octet + 2, octet + 2 + (pkcs8[octet + 1] & 0xff));
        return "-----BEGIN EC PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(sec1)
                + "\n-----END EC PRIVATE KEY-----\n";
    }
}
