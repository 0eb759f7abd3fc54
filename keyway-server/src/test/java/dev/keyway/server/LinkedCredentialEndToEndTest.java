package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.source.FakeVault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Linked credentials (issue 10) through the whole product with real curl: a real server whose
 * clock the test moves, a {@link FakeVault} as the source, and an HTTPS upstream that records every
 * request (with its Authorization header) before answering. Each test uses its own credential,
 * Vault path and service path, so the tests do not share cache entries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinkedCredentialEndToEndTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    final MutableClock clock = new MutableClock(java.time.Instant.now()); // curl checks the minted leaves against real time
    /** "path authorization" of every request the upstream received, recorded before it answered. */
    final List<String> upstreamSeen = new CopyOnWriteArrayList<>();
    /** "path X-Sig" of every request the upstream received (signed services), recorded before it answered. */
    final List<String> signaturesSeen = new CopyOnWriteArrayList<>();
    /** "path body" of every request the upstream received, recorded before it answered. */
    final List<String> bodiesSeen = new CopyOnWriteArrayList<>();
    /** Every WebSocket text message the upstream received, recorded before it answered. */
    final List<String> framesSeen = new CopyOnWriteArrayList<>();
    MockWebServer upstream;
    FakeVault vault;
    TestServer ts;
    String proxyUrl;
    Path keywayCa;

    @BeforeAll
    void start() throws Exception {
        HeldCertificate upstreamCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream CA").ecdsa256()
                .build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(upstreamCa).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                upstreamSeen.add(r.getTarget() + " " + r.getHeaders().get("Authorization"));
                signaturesSeen.add(r.getTarget() + " " + r.getHeaders().get("X-Sig"));
                bodiesSeen.add(r.getTarget() + " " + (r.getBody() == null ? "" : r.getBody().utf8()));
                if ("websocket".equalsIgnoreCase(r.getHeaders().get("Upgrade"))) {
                    String auth = r.getHeaders().get("Authorization");
                    return new MockResponse.Builder().webSocketUpgrade(new okhttp3.WebSocketListener() {
                        @Override
                        public void onMessage(okhttp3.WebSocket ws, String text) {
                            framesSeen.add(text);
                            // an upstream that quotes the credential it received back in a frame
                            ws.send(text.equals("echo-auth") ? "you sent " + auth : "ack");
                        }

                        @Override
                        public void onClosing(okhttp3.WebSocket ws, int code, String reason) {
                            ws.close(code, reason);
                        }
                    }).build();
                }
                return new MockResponse.Builder().code(200).body("upstream-ok").build();
            }
        });
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, upstreamCa.certificatePem());
        vault = new FakeVault();
        vault.tokens.put("hvs.keyway-reader", 0L);
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
        ts = TestServer.start(cfg, clock);
        keywayCa = dir.resolve("data/ca.pem");
        ok(ts.call("POST", "/v1/sources", """
                {"name":"vault","type":"hashicorp-vault","settings":{"addr":"%s"},"secrets":{"token":"hvs.keyway-reader"}}"""
                .formatted(vault.url())));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30d\"}")))
                .get("token").asString();
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
        vault.close();
    }

    static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    /** A linked credential NAME → secret/PATH#key and a bearer service for /PATH/** on the upstream. */
    void link(String name, String path, String ttl, String maxStale) throws Exception {
        ok(ts.call("PUT", "/v1/vaults/default/credentials/" + name + "/link", """
                {"source":"vault","ref":"secret/%s#key","ttl":"%s","max_stale":"%s"}""".formatted(path, ttl, maxStale)));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"%s","host":"localhost:%d","allow_private":true,"paths":["/%s/**"],"inject":{"bearer":"%s"}}"""
                .formatted(path, upstream.getPort(), path, name)));
    }

    Curl.Result curl(String path) throws Exception {
        return Curl.run("-sS", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(), "-D", "-",
                "-H", "Authorization: Bearer PLACEHOLDER", "https://localhost:" + upstream.getPort() + "/" + path + "/x");
    }


    List<String> upstreamFor(String path) {
        return upstreamSeen.stream().filter(s -> s.startsWith("/" + path + "/")).toList();
    }

    /** An hmac service keyed by a linked credential: the first request waits for the cold fetch, then is signed with it. */
    @Test
    void aLinkedHmacKeyIsFetchedThenUsedToSignAndNeverSent() throws Exception {
        vault.putV2("secret/hmac", Map.of("key", "linked-hmac-secret"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/HMAC_KEY/link", """
                {"source":"vault","ref":"secret/hmac#key","ttl":"5m","max_stale":"0s"}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"hmac","host":"localhost:%d","allow_private":true,"paths":["/hmac/**"],
                 "inject":{"hmac":{"key":"HMAC_KEY","template":"{method}{path}","signature_header":"X-Sig"}}}"""
                .formatted(upstream.getPort())));
        Curl.Result r = curl("hmac");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("upstream-ok").doesNotContain("linked-hmac-secret");
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec("linked-hmac-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "HmacSHA256"));
        String expected = java.util.HexFormat.of().formatHex(mac.doFinal("GET/hmac/x".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(signaturesSeen.stream().filter(s -> s.startsWith("/hmac/")).toList()).containsExactly("/hmac/x " + expected);
        assertThat(upstreamFor("hmac")).as("the agent's Authorization is passed on; the key is never sent")
                .containsExactly("/hmac/x Bearer PLACEHOLDER");
    }

    /**
     * A service that injects a cold linked credential into the query, and one that substitutes it into
     * the body: the first request waits for the fetch (the signing hook replaces the request target,
     * and re-runs the substitution over the buffered body) instead of the old 503 "being fetched".
     */
    @Test
    void aColdCredentialWaitsForTheFetchInTheQueryAndInASubstitutedBody() throws Exception {
        vault.putV2("secret/query", Map.of("key", "sk-linked-query"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/QUERY_KEY/link", """
                {"source":"vault","ref":"secret/query#key","ttl":"5m","max_stale":"0s"}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"query","host":"localhost:%d","allow_private":true,"paths":["/query/**"],
                 "inject":{"query":{"api_key":"{QUERY_KEY}"}}}""".formatted(upstream.getPort())));
        Curl.Result r = Curl.run("-sS", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(), "-D", "-",
                "https://localhost:" + upstream.getPort() + "/query/x?page=2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lastStatus()).as(r.out()).isEqualTo(200);
        assertThat(r.out()).contains("upstream-ok").doesNotContain("sk-linked-query");
        assertThat(upstreamSeen.stream().filter(x -> x.startsWith("/query/")).toList()).singleElement()
                .satisfies(x -> assertThat(x).startsWith("/query/x?").contains("page=2").contains("api_key=sk-linked-query"));
        assertThat(vault.reads("/v1/secret/data/query")).isEqualTo(1);

        vault.putV2("secret/bodyok", Map.of("key", "sk-linked-body"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/BODY_KEY/link", """
                {"source":"vault","ref":"secret/bodyok#key","ttl":"5m","max_stale":"0s"}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"body","host":"localhost:%d","allow_private":true,"paths":["/body/**"],
                 "inject":{"substitute":{"placeholder":"__BODY__","credential":"BODY_KEY","in":["body"]}}}"""
                .formatted(upstream.getPort())));
        Curl.Result b = Curl.run("-sS", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(), "-D", "-",
                "-H", "Content-Type: application/json", "--data", "{\"k\":\"__BODY__\",\"again\":\"__BODY__\"}",
                "https://localhost:" + upstream.getPort() + "/body/x");
        assertThat(b.exit()).as(b.err()).isZero();
        assertThat(b.lastStatus()).as(b.out()).isEqualTo(200);
        assertThat(b.out()).contains("upstream-ok").doesNotContain("sk-linked-body");
        assertThat(bodiesSeen.stream().filter(x -> x.startsWith("/body/")).toList()).as("the substitution ran with the fetched value")
                .containsExactly("/body/x {\"k\":\"sk-linked-body\",\"again\":\"sk-linked-body\"}");
        assertThat(vault.reads("/v1/secret/data/bodyok")).isEqualTo(1);
    }

    /** A body substitution whose source fails: 503 and nothing forwarded, not even the placeholder. */
    @Test
    void aColdBodySubstitutionWhoseFetchFailsIsRefusedWithNothingForwarded() throws Exception {
        vault.putV2("secret/bodydown", Map.of("key", "sk-body-never-sent"));
        vault.fail("/v1/secret/data/bodydown", 503, "Vault is sealed", null);
        ok(ts.call("PUT", "/v1/vaults/default/credentials/BODYDOWN_KEY/link", """
                {"source":"vault","ref":"secret/bodydown#key","ttl":"5m","max_stale":"0s"}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"bodydown","host":"localhost:%d","allow_private":true,"paths":["/bodydown/**"],
                 "inject":{"substitute":{"placeholder":"__BODYDOWN__","credential":"BODYDOWN_KEY","in":["body"]}}}"""
                .formatted(upstream.getPort())));
        Curl.Result b = Curl.run("-sS", "--max-time", "30", "--proxy", proxyUrl, "--cacert", keywayCa.toString(), "-D", "-",
                "--data", "{\"k\":\"__BODYDOWN__\"}", "https://localhost:" + upstream.getPort() + "/bodydown/x");
        assertThat(b.lastStatus()).as(b.out()).isEqualTo(503);
        assertThat(b.out()).containsIgnoringCase("Keyway-Error: credential-source-unavailable").contains("Vault is sealed")
                .doesNotContain("sk-body-never-sent");
        assertThat(bodiesSeen.stream().filter(x -> x.startsWith("/bodydown/")).toList()).isEmpty();
    }

    /** A body too large to buffer while a cold credential is fetched: 413, nothing forwarded (never streamed unsubstituted). */
    @Test
    void aColdBodySubstitutionLargerThanTheBufferIsRefusedWith413() throws Exception {
        vault.putV2("secret/bodybig", Map.of("key", "sk-body-big"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/BODYBIG_KEY/link", """
                {"source":"vault","ref":"secret/bodybig#key","ttl":"5m","max_stale":"0s"}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"bodybig","host":"localhost:%d","allow_private":true,"paths":["/bodybig/**"],
                 "inject":{"substitute":{"placeholder":"__BODYBIG__","credential":"BODYBIG_KEY","in":["body"]}}}"""
                .formatted(upstream.getPort())));
        Path f = dir.resolve("big-body.txt");
        Files.writeString(f, "__BODYBIG__" + "x".repeat(9 * 1024 * 1024)); // above the proxy's 8 MiB buffer
        Curl.Result b = Curl.run("-sS", "--max-time", "60", "--proxy", proxyUrl, "--cacert", keywayCa.toString(), "-D", "-",
                "--data-binary", "@" + f, "https://localhost:" + upstream.getPort() + "/bodybig/x");
        assertThat(b.lastStatus()).as(b.out()).isEqualTo(413);
        assertThat(b.out()).containsIgnoringCase("Keyway-Error: payload-too-large").contains("being fetched");
        assertThat(bodiesSeen.stream().filter(x -> x.startsWith("/bodybig/")).toList()).isEmpty();
    }

    /** A real WebSocket client through the proxy to PATH on the upstream. */
    WsClient ws(String path) throws Exception {
        String token = proxyUrl.substring("http://".length(), proxyUrl.indexOf(':', "http://".length()));
        return new WsClient(ts.server.proxyPort(), token, "default", keywayCa, "https://localhost:" + upstream.getPort() + path);
    }

    /**
     * A WebSocket upgrade on a cold linked credential waits for the fetch, then connects with it
     * injected (a bearer on the upgrade request; a substitution into the client's frames) instead
     * of the old 503 "being fetched".
     */
    @Test
    void aColdCredentialOnAWebSocketUpgradeWaitsForTheFetchThenConnects() throws Exception {
        vault.putV2("secret/wscold", Map.of("key", "sk-linked-ws"));
        link("WSCOLD_KEY", "wscold", "5m", "0s");
        try (WsClient c = ws("/wscold/socket")) {
            WsClient.Outcome o = c.await();
            assertThat(o.status()).as(o.body()).isEqualTo(101);
            okhttp3.WebSocket open = java.util.Objects.requireNonNull(o.open());
            open.send("hi");
            assertThat(c.received.poll(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("ack");
            // the value the hold fetched is scanned for in the frames like a decision's value
            open.send("echo-auth");
            assertThat(c.received.poll(30, java.util.concurrent.TimeUnit.SECONDS))
                    .startsWith("you sent Bearer ").contains("REDACTED").doesNotContain("sk-linked-ws");
            open.close(1000, "done");
        }
        assertThat(upstreamFor("wscold")).containsExactly("/wscold/socket Bearer sk-linked-ws");
        assertThat(vault.reads("/v1/secret/data/wscold")).isEqualTo(1);

        vault.putV2("secret/wsframe", Map.of("key", "sk-linked-frame"));
        ok(ts.call("PUT", "/v1/vaults/default/credentials/WSFRAME_KEY/link", """
                {"source":"vault","ref":"secret/wsframe#key","ttl":"5m","max_stale":"0s"}"""));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"wsframe","host":"localhost:%d","allow_private":true,"paths":["/wsframe/**"],
                 "inject":{"substitute":{"placeholder":"__WS__","credential":"WSFRAME_KEY","in":["websocket"]}}}"""
                .formatted(upstream.getPort())));
        try (WsClient c = ws("/wsframe/socket")) {
            WsClient.Outcome o = c.await();
            assertThat(o.status()).as(o.body()).isEqualTo(101);
            okhttp3.WebSocket open = java.util.Objects.requireNonNull(o.open());
            open.send("{\"auth\":\"__WS__\"}");
            assertThat(c.received.poll(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("ack");
            open.close(1000, "done");
        }
        assertThat(framesSeen).contains("{\"auth\":\"sk-linked-frame\"}");
    }

    /** A WebSocket upgrade whose linked credential cannot be fetched: 503 on the upgrade, nothing forwarded. */
    @Test
    void aWebSocketUpgradeWhoseFetchFailsGets503AndNothingIsForwarded() throws Exception {
        vault.putV2("secret/wsdown", Map.of("key", "sk-ws-never-sent"));
        vault.fail("/v1/secret/data/wsdown", 503, "Vault is sealed", null);
        link("WSDOWN_KEY", "wsdown", "5m", "0s");
        try (WsClient c = ws("/wsdown/socket")) {
            WsClient.Outcome o = c.await();
            assertThat(o.open()).isNull();
            assertThat(o.status()).isEqualTo(503);
            assertThat(o.errorType()).isEqualTo("credential-source-unavailable");
            assertThat(o.body()).contains("Vault is sealed").doesNotContain("sk-ws-never-sent");
        }
        assertThat(upstreamFor("wsdown")).isEmpty();
    }

    @Test
    void linkedValueIsInjectedServedFromCacheAndTheRotatedValueIsUsedAfterTheTtl() throws Exception {
        vault.putV2("secret/rot", Map.of("key", "sk-linked-one"));
        link("ROT_KEY", "rot", "5m", "0s");
        Curl.Result first = curl("rot");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("upstream-ok").doesNotContain("sk-linked-one");
        assertThat(upstreamFor("rot")).containsExactly("/rot/x Bearer sk-linked-one");

        vault.putV2("secret/rot", Map.of("key", "sk-linked-two"));
        assertThat(curl("rot").exit()).isZero();
        assertThat(upstreamFor("rot")).as("within the TTL: the cached value")
                .containsExactly("/rot/x Bearer sk-linked-one", "/rot/x Bearer sk-linked-one");
        assertThat(vault.reads("/v1/secret/data/rot")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(5));
        assertThat(curl("rot").exit()).isZero();
        assertThat(upstreamFor("rot").getLast()).isEqualTo("/rot/x Bearer sk-linked-two");

        JsonNode list = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/credentials", null)));
        boolean shown = false;
        for (JsonNode c : list.get("credentials")) {
            if (c.path("name").asString().equals("ROT_KEY")) {
                shown = true;
                assertThat(c.path("kind").asString()).isEqualTo("linked");
                assertThat(c.path("source").asString()).isEqualTo("vault");
                assertThat(c.path("ref").asString()).isEqualTo("secret/rot#key");
            }
        }
        assertThat(shown).isTrue();
        JsonNode reveal = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/credentials/ROT_KEY/reveal", null)));
        assertThat(reveal.path("value").asString()).isEqualTo("sk-linked-two");

        String audit = awaitAudit("\"credential\":\"ROT_KEY\"", "\"cached\":true");
        assertThat(audit).contains("\"type\":\"linked-credential\"").contains("\"source\":\"vault\"")
                .contains("\"ref\":\"secret/rot#key\"").contains("\"cached\":false").doesNotContain("sk-linked-");
        assertThat(audit).contains("\"action\":\"credential.reveal\"");
    }

    @Test
    void sourceDownFailsClosedWith503AndTheUpstreamReceivesNothing() throws Exception {
        vault.putV2("secret/down", Map.of("key", "sk-never-sent"));
        vault.fail("/v1/secret/data/down", 503, "Vault is sealed", null);
        link("DOWN_KEY", "down", "5m", "0s");
        Curl.Result r = curl("down");
        assertThat(r.lastStatus()).isEqualTo(503);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: credential-source-unavailable")
                .contains("application/problem+json").contains("source 'vault'").contains("secret/down#key")
                .contains("Vault is sealed").doesNotContain("sk-never-sent");
        assertThat(upstreamFor("down")).as("nothing forwarded").isEmpty();
        // within the backoff a new request fails closed again without asking the source
        long reads = vault.reads("/v1/secret/data/down");
        assertThat(curl("down").out()).containsIgnoringCase("Keyway-Error: credential-source-unavailable");
        assertThat(vault.reads("/v1/secret/data/down")).isEqualTo(reads);
        assertThat(upstreamFor("down")).isEmpty();
        String audit = awaitAudit("credential-source-unavailable");
        assertThat(audit).doesNotContain("sk-never-sent");
    }

    @Test
    void maxStaleServesTheOldValueForItsWindowThenFailsClosed() throws Exception {
        vault.putV2("secret/stale", Map.of("key", "sk-stale-good"));
        link("STALE_KEY", "stale", "1m", "2m");
        assertThat(curl("stale").exit()).isZero();
        vault.fail("/v1/secret/data/stale", 503, "Vault is sealed", null);
        clock.advance(Duration.ofSeconds(70)); // past the TTL, within max-stale: the refresh fails, the old value is served
        Curl.Result r = curl("stale");
        assertThat(r.lastStatus()).as(r.out()).isEqualTo(200);
        assertThat(upstreamFor("stale")).containsExactly("/stale/x Bearer sk-stale-good", "/stale/x Bearer sk-stale-good");
        clock.advance(Duration.ofMinutes(2)); // past TTL + max-stale
        Curl.Result closed = curl("stale");
        assertThat(closed.lastStatus()).isEqualTo(503);
        assertThat(closed.out()).containsIgnoringCase("Keyway-Error: credential-source-unavailable");
        assertThat(upstreamFor("stale")).hasSize(2);
    }

    @Test
    void hundredConcurrentRequestsOnAColdCredentialCauseOneFetch() throws Exception {
        vault.putV2("secret/cold", Map.of("key", "sk-cold"));
        link("COLD_KEY", "cold", "5m", "0s");
        List<String> args = new ArrayList<>(List.of("-sS", "--max-time", "60", "--parallel", "--parallel-immediate",
                "--parallel-max", "100", "--proxy", proxyUrl, "--cacert", keywayCa.toString(),
                "-w", "%{http_code}\\n"));
        for (int i = 0; i < 100; i++) {
            args.addAll(List.of("-o", "/dev/null", "https://localhost:" + upstream.getPort() + "/cold/" + i));
        }
        Curl.Result r = Curl.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.equals("200")).count()).as(r.out()).isEqualTo(100);
        assertThat(vault.reads("/v1/secret/data/cold")).isEqualTo(1);
        assertThat(upstreamFor("cold")).hasSize(100).allMatch(s -> s.endsWith(" Bearer sk-cold"));
    }

    @Test
    void aValueWithCrLfIsRefusedLikeAStoredOne() throws Exception {
        vault.putV2("secret/crlf", Map.of("key", "sk-a\r\nX-Injected: 1"));
        link("CRLF_KEY", "crlf", "5m", "0s");
        Curl.Result r = curl("crlf");
        assertThat(r.lastStatus()).isEqualTo(502);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: credential-unavailable").doesNotContain("X-Injected");
        assertThat(upstreamFor("crlf")).isEmpty();
    }

    @Test
    void sourceApiKeepsSecretsWriteOnlyAndRefusesRemovalWhileUsed() throws Exception {
        String list = ok(ts.call("GET", "/v1/sources", null));
        assertThat(list).contains("\"name\":\"vault\"").contains("\"secrets\":[\"token\"]").doesNotContain("hvs.keyway-reader");
        vault.putV2("secret/probe", Map.of("key", "sk-probe-12345"));
        String test = ok(ts.call("POST", "/v1/sources/vault/test", "{\"ref\":\"secret/probe#key\"}"));
        assertThat(test).contains("\"ok\":true").contains("\"bytes\":14").contains("\"version\":\"1\"")
                .doesNotContain("sk-probe");
        String missing = ok(ts.call("POST", "/v1/sources/vault/test", "{\"ref\":\"secret/nothing#key\"}"));
        assertThat(missing).contains("\"ok\":false").contains("\"error\":\"not-found\"");
        vault.putV2("secret/used", Map.of("key", "v"));
        link("USED_KEY", "used", "5m", "0s");
        var refused = ts.call("DELETE", "/v1/sources/vault", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("default/USED_KEY");
        var badRef = ts.call("PUT", "/v1/vaults/default/credentials/BAD/link", "{\"source\":\"vault\",\"ref\":\"secret/x\"}");
        assertThat(badRef.statusCode()).isEqualTo(422);
    }

    /** Polls the audit log (written asynchronously) until a line holds every fragment; returns the whole log. */
    String awaitAudit(String... fragments) throws Exception {
        Path log = dir.resolve("data/audit.jsonl");
        for (int i = 0; i < 100; i++) {
            String all = Files.readString(log);
            if (all.lines().anyMatch(l -> java.util.Arrays.stream(fragments).allMatch(l::contains))) {
                return all;
            }
            Thread.sleep(100); // waits for the asynchronous audit writer (bounded poll, not a timing assertion)
        }
        throw new AssertionError("no audit record with " + List.of(fragments));
    }
}
