package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Redaction of echoed secrets (issue 12 §5), end to end with curl through the proxy: an echo
 * upstream returns the credential Keyway injected, in a header, a JSON body, a gzip body, a chunked
 * stream with the secret split across two chunks, an SSE stream, and as the base64 of a Basic
 * header, and the client never sees it; a coding Keyway cannot decode is refused with 502
 * {@code response-unscannable}; {@code redact_responses: false} passes the echo through; the audit
 * counts the redactions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EchoRedactionEndToEndTest {
    static final String SECRET = "echo-canary-5b1f0e77c2d94a";
    static final String USER_PASS = "bob:" + SECRET;
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    MockWebServer upstream;
    TestServer ts;
    String proxy;
    String keywayCa;
    int port;
    /** What the upstream received, by path: recorded before it answers (so no race with the client). */
    final Map<String, String> received = new ConcurrentHashMap<>();

    @BeforeAll
    void start() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().addSubjectAlternativeName("localhost").ecdsa256()
                .signedBy(ca).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        // HTTP/1.1 upstream: its chunk boundaries reach the proxy as separate body parts (the client side is h2 or 1.1)
        upstream.setProtocols(List.of(okhttp3.Protocol.HTTP_1_1));
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String auth = String.valueOf(r.getHeaders().get("Authorization"));
                String path = r.getTarget();
                received.put(path.replaceAll("\\?.*", ""), auth + " " + path);
                received.put("accept-encoding " + path, String.valueOf(r.getHeaders().get("Accept-Encoding")));
                try {
                    return answer(path, auth);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        upstream.start();
        port = upstream.getPort();
        Path caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0)
                .withUpstream(caFile, null, true, List.of());
        ts = TestServer.start(cfg);
        ok(ts.call("PUT", "/v1/vaults/default/credentials/GOOD", "{\"value\":\"" + SECRET + "\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"echo","host":"localhost:%d","allow_private":true,"paths":["/e/**"],"inject":{"bearer":"GOOD"}}"""
                .formatted(port)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"basic","host":"localhost:%d","allow_private":true,"paths":["/b/**"],
                 "inject":{"basic":{"username_literal":"bob","password":"GOOD"}}}""".formatted(port)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"raw","host":"localhost:%d","allow_private":true,"paths":["/raw/**"],"redact_responses":false,
                 "inject":{"bearer":"GOOD"}}""".formatted(port)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"sub","host":"localhost:%d","allow_private":true,"paths":["/s/**"],
                 "inject":{"substitute":{"placeholder":"__GOOD__","credential":"GOOD","in":["query"]}}}""".formatted(port)));
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(g.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        ok(ts.call("PUT", "/v1/vaults/default/credentials/JWT_KEY",
                JSON.writeValueAsString(Map.of("value", pem))));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"jwt","host":"localhost:%d","allow_private":true,"paths":["/j/**"],
                 "inject":{"jwt":{"key":"JWT_KEY","algorithm":"ES256","claims":{"sub":"agent"}}}}""".formatted(port)));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\"}"))).get("token").asString();
        proxy = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
        keywayCa = dir.resolve("data/ca.pem").toString();
    }

    @AfterAll
    void stop() throws Exception {
        if (ts != null) {
            ts.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    /** The echo upstream: returns what it was sent (the Authorization header) in the shape the path asks for. */
    private static MockResponse answer(String path, String auth) throws Exception {
        String value = auth.startsWith("Bearer ") ? auth.substring(7) : auth;
        String json = "{\"headers\":{\"Authorization\":\"" + auth + "\"},\"url\":\"https://localhost" + path + "\"}";
        if (path.startsWith("/e/header") || path.startsWith("/raw/header") || path.startsWith("/j/header")) {
            return new MockResponse.Builder().addHeader("X-Echo", "you sent " + value).body("ok").build();
        }
        if (path.startsWith("/e/json") || path.startsWith("/raw/json") || path.startsWith("/b/") || path.startsWith("/s/")
                || path.startsWith("/j/json")) {
            return new MockResponse.Builder().addHeader("Content-Type", "application/json").body(json).build();
        }
        if (path.startsWith("/e/gzip")) {
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(z)) {
                g.write(json.getBytes(StandardCharsets.UTF_8));
            }
            return new MockResponse.Builder().addHeader("Content-Type", "application/json")
                    .addHeader("Content-Encoding", "gzip").body(new Buffer().write(z.toByteArray())).build();
        }
        if (path.startsWith("/e/br")) {
            return new MockResponse.Builder().addHeader("Content-Encoding", "br").body("not really brotli " + value).build();
        }
        if (path.startsWith("/e/chunked")) {
            // chunk size 10 puts the 26-byte secret across several chunks; the split point is inside the secret
            String body = "prefix-" + value + "-suffix";
            return new MockResponse.Builder().chunkedBody(body, 10).build();
        }
        if (path.startsWith("/e/sse")) {
            String body = "event: hello\ndata: {\"n\":1}\n\n" + "data: {\"echo\":\"" + value + "\"}\n\n" + "data: done\n\n";
            return new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").chunkedBody(body, 7)
                    .throttleBody(16, 5, TimeUnit.MILLISECONDS).build();
        }
        return new MockResponse.Builder().code(404).body("no such echo").build();
    }

    private Curl.Result curl(String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of("-sS", "-i", "--max-time", "30", "--proxy", proxy, "--cacert", keywayCa));
        a.addAll(List.of(extra));
        return Curl.run(a.toArray(String[]::new));
    }

    private String url(String path) {
        return "https://localhost:" + port + path;
    }

    private void assertInjected(String path) {
        assertThat(received.get(path)).as("the upstream got the real credential on " + path).contains(SECRET);
    }

    @Test
    void headerEchoIsRedacted() throws Exception {
        Curl.Result r = curl(url("/e/header"));
        assertInjected("/e/header");
        assertThat(r.out()).contains(" 200").contains("you sent [REDACTED:GOOD]").doesNotContain(SECRET);
    }

    @Test
    void jsonBodyEchoIsRedactedAndLengthFixedOverHttp11AndHttp2() throws Exception {
        for (String version : List.of("--http1.1", "--http2")) {
            Curl.Result r = curl(version, "-D", "-", "-o", "-", url("/e/json"));
            assertInjected("/e/json");
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).as(version).contains("\"Authorization\":\"Bearer [REDACTED:GOOD]\"").doesNotContain(SECRET)
                    .endsWith("\"url\":\"https://localhost/e/json\"}");
            // a small body the upstream sent with a Content-Length keeps one: the redacted body's own length
            String body = r.out().substring(r.out().lastIndexOf("\r\n\r\n") + 4);
            assertThat(r.out().toLowerCase(java.util.Locale.ROOT)).as(version)
                    .contains("content-length: " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n")
                    .doesNotContain("transfer-encoding");
        }
    }

    @Test
    void gzipBodyIsDecodedRedactedAndSentUncompressed() throws Exception {
        Curl.Result r = curl(url("/e/gzip"));
        assertInjected("/e/gzip");
        assertThat(r.out()).contains(" 200").contains("Bearer [REDACTED:GOOD]").doesNotContain(SECRET)
                .doesNotContainIgnoringCase("content-encoding");
    }

    @Test
    void chunkedStreamWithTheSecretSplitAcrossChunksIsRedacted() throws Exception {
        Curl.Result r = curl(url("/e/chunked"));
        assertInjected("/e/chunked");
        assertThat(r.out()).contains("prefix-[REDACTED:GOOD]-suffix").doesNotContain(SECRET);
    }

    @Test
    void sseStreamIsRedactedAndEveryEventArrives() throws Exception {
        Curl.Result r = curl("-N", url("/e/sse"));
        assertInjected("/e/sse");
        assertThat(r.out()).contains("text/event-stream").contains("event: hello\ndata: {\"n\":1}\n\n")
                .contains("data: {\"echo\":\"[REDACTED:GOOD]\"}\n\n").endsWith("data: done\n\n").doesNotContain(SECRET);
    }

    /** The JWT {@code inject: jwt} minted for the request is a bearer credential: echoed, it is redacted too. */
    @Test
    void mintedJwtEchoIsRedactedInHeadersAndBody() throws Exception {
        Curl.Result h = curl(url("/j/header"));
        String sent = received.get("/j/header");
        assertThat(sent).as("the upstream got a minted JWT").startsWith("Bearer ey");
        String jwt = sent.substring(7, sent.indexOf(' ', 7));
        assertThat(h.out()).contains(" 200").contains("you sent [REDACTED:JWT_KEY]").doesNotContain(jwt)
                .doesNotContain(jwt.substring(jwt.lastIndexOf('.')));
        Curl.Result b = curl(url("/j/json"));
        String sent2 = received.get("/j/json");
        String jwt2 = sent2.substring(7, sent2.indexOf(' ', 7));
        assertThat(b.out()).contains("\"Authorization\":\"Bearer [REDACTED:JWT_KEY]\"").doesNotContain(jwt2);
    }

    @Test
    void basicTokenEchoIsRedacted() throws Exception {
        Curl.Result r = curl(url("/b/json"));
        String b64 = Base64.getEncoder().encodeToString(USER_PASS.getBytes(StandardCharsets.UTF_8));
        assertThat(received.get("/b/json")).contains(b64);
        assertThat(r.out()).contains("\"Authorization\":\"Basic [REDACTED:GOOD]\"").doesNotContain(b64)
                .doesNotContain(SECRET);
    }

    @Test
    void substitutedQueryEchoGoesBackToThePlaceholder() throws Exception {
        Curl.Result r = curl(url("/s/json?key=__GOOD__"));
        assertThat(received.get("/s/json")).contains("/s/json?key=" + SECRET);
        assertThat(r.out()).contains("\"url\":\"https://localhost/s/json?key=__GOOD__\"").doesNotContain(SECRET);
    }

    @Test
    void undecodableCodingIsRefusedNotPassedThrough() throws Exception {
        Curl.Result r = curl(url("/e/br"));
        assertInjected("/e/br");
        assertThat(r.out()).contains(" 502").contains("response-unscannable").contains("application/problem+json")
                .doesNotContain(SECRET);
    }

    @Test
    void aScannedRequestAsksOnlyForCodingsTheScanDecodes() throws Exception {
        Curl.Result r = curl("--compressed", url("/e/gzip?ae=1"));
        assertThat(received.get("accept-encoding /e/gzip?ae=1")).contains("gzip").doesNotContain("br").doesNotContain("zstd");
        assertThat(r.out()).contains("Bearer [REDACTED:GOOD]").doesNotContain(SECRET);
        curl("-H", "Accept-Encoding: br, zstd", url("/raw/json?ae=1"));
        assertThat(received.get("accept-encoding /raw/json?ae=1")).as("unscanned: left as the client sent it")
                .isEqualTo("br, zstd");
    }

    @Test
    void redactionOffForTheServicePassesTheEchoThrough() throws Exception {
        Curl.Result r = curl(url("/raw/header"));
        assertThat(r.out()).contains("you sent " + SECRET);
        JsonNode svc = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/services/raw", null)));
        assertThat(svc.get("redact_responses").asBoolean()).isFalse();
        assertThat(JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/services/echo", null))).has("redact_responses"))
                .isFalse();
    }

    @Test
    void auditCountsRedactionsNeverValues() throws Exception {
        curl(url("/e/json?audit=1"));
        List<JsonNode> requests = new ArrayList<>();
        String audit = "";
        for (int i = 0; i < 400 && requests.isEmpty(); i++) { // bounded poll: the record follows the response
            audit = Files.readString(dir.resolve("data/audit.jsonl"));
            for (String line : audit.lines().toList()) {
                JsonNode n = JSON.readTree(line);
                if ("request".equals(n.path("type").asString()) && "/e/json".equals(n.path("path").asString())) {
                    requests.add(n);
                }
            }
            if (requests.isEmpty()) {
                Thread.sleep(25);
            }
        }
        assertThat(requests).isNotEmpty();
        assertThat(requests).allSatisfy(n -> assertThat(n.get("redactions").asLong()).isEqualTo(1));
        assertThat(audit).doesNotContain(SECRET);
    }
}
