package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
 * Per-request human approval (issue 12 §3) through the whole product with real curl: a held
 * {@code curl -X POST} completes once a human approves it through the API, and gets 403
 * {@code approval-denied} or {@code approval-timeout} otherwise; the upstream records every request
 * before answering, so "never forwarded unapproved" is checked on what it actually received. Each
 * test uses its own service and path. Waits are bounded polls for a state, never sleeps or timing
 * assertions; the timeout is driven by moving the server's clock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApprovalEndToEndTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String SECRET = "sk-approval-secret-4711";

    @TempDir
    static Path dir;

    final MutableClock clock = new MutableClock(java.time.Instant.now()); // curl checks the minted leaves against real time
    /** "METHOD target authorization body" of every request the upstream received, recorded before it answered. */
    final List<String> upstreamSeen = new CopyOnWriteArrayList<>();
    MockWebServer upstream;
    TestServer ts;
    String proxyUrl;
    String agentTokenId;
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
                upstreamSeen.add(r.getMethod() + " " + r.getTarget() + " " + r.getHeaders().get("Authorization") + " "
                        + (r.getBody() == null ? "" : r.getBody().utf8()));
                if ("websocket".equalsIgnoreCase(r.getHeaders().get("Upgrade"))) {
                    return new MockResponse.Builder().webSocketUpgrade(new okhttp3.WebSocketListener() {
                        @Override
                        public void onMessage(okhttp3.WebSocket ws, String text) {
                            ws.send("echo:" + text);
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
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
        ts = TestServer.start(cfg, clock);
        keywayCa = dir.resolve("data/ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"" + SECRET + "\"}"));
        JsonNode t = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30d\"}")));
        agentTokenId = t.get("id").asString();
        proxyUrl = "http://" + t.get("token").asString() + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
    }

    static String ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    /** A bearer service for /NAME/** on the upstream that requires approval for POST and DELETE. */
    void service(String name, String timeout) throws Exception {
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"%s","host":"localhost:%d","allow_private":true,"paths":["/%s/**"],"inject":{"bearer":"UP_KEY"},
                 "approval":{"methods":["POST","DELETE"],"timeout":"%s"}}"""
                .formatted(name, upstream.getPort(), name, timeout)));
    }

    /** Starts curl -X METHOD with a body; it is held until a decision. */
    CompletableFuture<Curl.Result> curlAsync(String method, String path, String body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return curl(method, path, body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    Curl.Result curl(String method, String path, String body, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-sS", "--max-time", "50", "--proxy", proxyUrl, "--cacert",
                keywayCa.toString(), "-D", "-", "-X", method, "-H", "Authorization: Bearer PLACEHOLDER"));
        args.addAll(List.of(extra));
        if (!body.isEmpty()) {
            args.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", body));
        }
        args.add("https://localhost:" + upstream.getPort() + path);
        return Curl.run(args.toArray(String[]::new));
    }


    List<String> upstreamFor(String prefix) {
        return upstreamSeen.stream().filter(s -> s.contains(" " + prefix)).toList();
    }

    /** Bounded poll for a condition (the machine may be slow; nothing here measures time). */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The approvals of a service, newest first, as the API lists them. */
    List<JsonNode> approvals(String service) {
        try {
            JsonNode all = JSON.readTree(ok(ts.call("GET", "/v1/approvals?vault=default", null))).get("approvals");
            List<JsonNode> out = new ArrayList<>();
            all.forEach(a -> {
                if (a.get("service").asString().equals(service)) {
                    out.add(a);
                }
            });
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the one pending approval of {@code service} and returns it. */
    JsonNode pending(String service) throws InterruptedException {
        await("a pending approval of " + service, () -> approvals(service).stream()
                .anyMatch(a -> a.get("state").asString().equals("pending")));
        return approvals(service).stream().filter(a -> a.get("state").asString().equals("pending")).findFirst().orElseThrow();
    }

    @Test
    void heldCurlPostCompletesAfterApprovalWithTheCredentialInjected() throws Exception {
        service("appr", "120s");
        CompletableFuture<Curl.Result> held = curlAsync("POST", "/appr/issues?x=1", "{\"title\":\"hi\"}");
        JsonNode p = pending("appr");
        assertThat(p.get("method").asString()).isEqualTo("POST");
        assertThat(p.get("path").asString()).as("the client's path, without the query").isEqualTo("/appr/issues");
        assertThat(p.get("body_bytes").asLong()).isEqualTo(14);
        assertThat(held).as("the client simply waits").isNotDone();
        assertThat(upstreamFor("/appr/")).as("nothing forwarded before the approval").isEmpty();

        // the decision comes over a connection of its own, not the one that created anything
        HttpClient other = HttpClient.newHttpClient();
        HttpResponse<String> approved = other.send(HttpRequest.newBuilder(URI.create(ts.base() + "/v1/approvals/"
                        + p.get("id").asString() + "/approve")).header("Authorization", "Bearer " + ts.adminToken)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        assertThat(JSON.readTree(approved.body()).get("state").asString()).isEqualTo("approved");

        Curl.Result r = held.get(60, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lastStatus()).isEqualTo(200);
        assertThat(r.out()).contains("upstream-ok").doesNotContain(SECRET);
        assertThat(upstreamFor("/appr/")).containsExactly("POST /appr/issues?x=1 Bearer " + SECRET + " {\"title\":\"hi\"}");
        assertThat(approvals("appr").getFirst().get("decided_by").asString()).isEqualTo("local-admin");
        assertThat(ts.call("GET", "/v1/approvals", null).body()).as("no secret, no query in what approvers see")
                .doesNotContain(SECRET).doesNotContain("x=1");

        // approved once: the next identical request asks again
        CompletableFuture<Curl.Result> again = curlAsync("POST", "/appr/issues", "{}");
        JsonNode second = pending("appr");
        assertThat(second.get("id").asString()).isNotEqualTo(p.get("id").asString());
        ok(ts.call("POST", "/v1/approvals/" + second.get("id").asString() + "/deny", "{}"));
        assertThat(again.get(60, TimeUnit.SECONDS).lastStatus()).isEqualTo(403);
    }

    @Test
    void deniedRequestGets403WithTheReasonAndIsNeverForwarded() throws Exception {
        service("deny", "120s");
        CompletableFuture<Curl.Result> held = curlAsync("DELETE", "/deny/repo", "");
        JsonNode p = pending("deny");
        JsonNode d = JSON.readTree(ok(ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/deny",
                "{\"reason\":\"do not delete repositories\"}")));
        assertThat(d.get("state").asString()).isEqualTo("denied");
        Curl.Result r = held.get(60, TimeUnit.SECONDS);
        assertThat(r.lastStatus()).isEqualTo(403);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: approval-denied").contains("do not delete repositories")
                .contains(p.get("id").asString());
        assertThat(upstreamFor("/deny/")).isEmpty();
        HttpResponse<String> twice = ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve", "{}");
        assertThat(twice.statusCode()).as("decided once").isEqualTo(409);
    }

    @Test
    void undecidedRequestTimesOutWith403WhenTheClockPassesTheTimeout() throws Exception {
        service("slow", "90s");
        CompletableFuture<Curl.Result> held = curlAsync("POST", "/slow/x", "{}");
        JsonNode p = pending("slow");
        clock.advance(Duration.ofSeconds(91));
        Curl.Result r = held.get(60, TimeUnit.SECONDS);
        assertThat(r.lastStatus()).isEqualTo(403);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: approval-timeout");
        assertThat(upstreamFor("/slow/")).isEmpty();
        JsonNode after = approvals("slow").getFirst();
        assertThat(after.get("id").asString()).isEqualTo(p.get("id").asString());
        assertThat(after.get("state").asString()).isEqualTo("timed_out");
        assertThat(ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve", "{}").statusCode()).isEqualTo(409);
    }

    @Test
    void clientThatGoesAwayCancelsItsPendingApproval() throws Exception {
        service("gone", "120s");
        List<String> args = List.of(Curl.require("curl"), "-sS", "--proxy", proxyUrl, "--cacert", keywayCa.toString(),
                "-X", "POST", "--data-binary", "{}", "https://localhost:" + upstream.getPort() + "/gone/x");
        Process curl = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            JsonNode p = pending("gone");
            curl.destroyForcibly();
            curl.waitFor(30, TimeUnit.SECONDS);
            await("the approval cancelled", () -> approvals("gone").getFirst().get("state").asString().equals("cancelled"));
            assertThat(approvals("gone").getFirst().get("id").asString()).isEqualTo(p.get("id").asString());
            assertThat(ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve", "{}").statusCode())
                    .isEqualTo(409);
            assertThat(upstreamFor("/gone/")).isEmpty();
        } finally {
            curl.destroyForcibly();
        }
    }

    @Test
    void approvalForAWhileLetsTheSameRequestThroughWithoutAskingUntilItLapses() throws Exception {
        service("for", "120s");
        CompletableFuture<Curl.Result> held = curlAsync("POST", "/for/deploy", "{}");
        JsonNode p = pending("for");
        JsonNode a = JSON.readTree(ok(ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve",
                "{\"for\":\"15m\"}")));
        assertThat(a.get("approved_until").asString()).isNotEmpty();
        assertThat(held.get(60, TimeUnit.SECONDS).lastStatus()).isEqualTo(200);

        Curl.Result again = curl("POST", "/for/deploy", "{}");
        assertThat(again.lastStatus()).as("standing approval: not held").isEqualTo(200);
        assertThat(approvals("for")).as("no new approval asked").hasSize(1);
        assertThat(upstreamFor("/for/")).hasSize(2);

        CompletableFuture<Curl.Result> otherPath = curlAsync("POST", "/for/other", "{}");
        JsonNode q = pending("for");
        assertThat(q.get("path").asString()).as("another path is asked for").isEqualTo("/for/other");
        ok(ts.call("POST", "/v1/approvals/" + q.get("id").asString() + "/deny", "{}"));
        assertThat(otherPath.get(60, TimeUnit.SECONDS).lastStatus()).isEqualTo(403);

        clock.advance(Duration.ofMinutes(16));
        CompletableFuture<Curl.Result> lapsed = curlAsync("POST", "/for/deploy", "{}");
        JsonNode r = pending("for");
        ok(ts.call("POST", "/v1/approvals/" + r.get("id").asString() + "/deny", "{}"));
        assertThat(lapsed.get(60, TimeUnit.SECONDS).lastStatus()).as("the standing approval lapsed").isEqualTo(403);
    }

    @Test
    void methodsOutsideTheRulePassAndOversizedBodiesAreRefusedWithoutAsking() throws Exception {
        service("rule", "120s");
        Curl.Result get = curl("GET", "/rule/x", "");
        assertThat(get.lastStatus()).isEqualTo(200);
        assertThat(upstreamFor("/rule/")).containsExactly("GET /rule/x Bearer " + SECRET + " ");

        String big = "x".repeat(9 * 1024 * 1024); // above the proxy's 8 MiB buffer limit
        Path f = dir.resolve("big.json");
        Files.writeString(f, big);
        Curl.Result tooBig = curl("POST", "/rule/upload", "@" + f);
        assertThat(tooBig.lastStatus()).isEqualTo(413);
        assertThat(tooBig.out()).contains("requires approval");
        assertThat(approvals("rule")).as("nobody was asked").isEmpty();
        assertThat(upstreamFor("/rule/upload")).isEmpty();
    }

    @Test
    void theAgentTokenCannotApproveItsOwnRequestNorListApprovals() throws Exception {
        service("self", "120s");
        CompletableFuture<Curl.Result> held = curlAsync("POST", "/self/x", "{}");
        JsonNode p = pending("self");
        String agentToken = proxyUrl.substring("http://".length(), proxyUrl.indexOf(':', "http://".length()));
        HttpResponse<String> self = ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve", "{}", agentToken);
        assertThat(self.statusCode()).as(self.body()).isIn(403, 404);
        HttpResponse<String> list = ts.call("GET", "/v1/approvals?vault=default", null, agentToken);
        assertThat(list.statusCode()).isEqualTo(403);
        ok(ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/deny", "{\"reason\":\"no\"}"));
        assertThat(held.get(60, TimeUnit.SECONDS).lastStatus()).isEqualTo(403);
        assertThat(upstreamFor("/self/")).isEmpty();
    }

    /** A real WebSocket client through the proxy to PATH on the upstream. */
    WsClient ws(String path) throws Exception {
        String token = proxyUrl.substring("http://".length(), proxyUrl.indexOf(':', "http://".length()));
        return new WsClient(ts.server.proxyPort(), token, "default", keywayCa, "https://localhost:" + upstream.getPort() + path);
    }

    /** A bearer service for /NAME/** whose WebSocket upgrades (GET) need approval. */
    void webSocketService(String name) throws Exception {
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"%s","host":"localhost:%d","allow_private":true,"paths":["/%s/**"],"inject":{"bearer":"UP_KEY"},
                 "approval":{"methods":["GET"],"timeout":"90s"}}"""
                .formatted(name, upstream.getPort(), name)));
    }

    @Test
    void heldWebSocketUpgradeConnectsAfterApprovalWithTheCredentialInjected() throws Exception {
        webSocketService("wsok");
        WsClient ws = ws("/wsok/socket?x=1");
        try {
            JsonNode p = pending("wsok");
            assertThat(p.get("method").asString()).isEqualTo("GET");
            assertThat(p.get("path").asString()).isEqualTo("/wsok/socket");
            assertThat(ws.outcome).as("the client simply waits").isNotDone();
            assertThat(upstreamFor("/wsok/")).as("nothing forwarded before the approval").isEmpty();

            ok(ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/approve", "{}"));
            WsClient.Outcome o = ws.await();
            assertThat(o.status()).as(o.body()).isEqualTo(101);
            okhttp3.WebSocket open = java.util.Objects.requireNonNull(o.open());
            open.send("hello");
            assertThat(ws.received.poll(30, TimeUnit.SECONDS)).isEqualTo("echo:hello");
            assertThat(upstreamFor("/wsok/")).containsExactly("GET /wsok/socket?x=1 Bearer " + SECRET + " ");
            open.close(1000, "done");
        } finally {
            ws.close();
        }
    }

    @Test
    void deniedOrTimedOutWebSocketUpgradeGets403AndNothingIsForwarded() throws Exception {
        webSocketService("wsno");
        WsClient denied = ws("/wsno/a");
        try {
            JsonNode p = pending("wsno");
            ok(ts.call("POST", "/v1/approvals/" + p.get("id").asString() + "/deny", "{\"reason\":\"no sockets today\"}"));
            WsClient.Outcome o = denied.await();
            assertThat(o.open()).isNull();
            assertThat(o.status()).isEqualTo(403);
            assertThat(o.errorType()).isEqualTo("approval-denied");
            assertThat(o.body()).contains("no sockets today").doesNotContain(SECRET);
        } finally {
            denied.close();
        }
        WsClient slow = ws("/wsno/b");
        try {
            JsonNode p = pending("wsno");
            clock.advance(Duration.ofSeconds(91));
            WsClient.Outcome o = slow.await();
            assertThat(o.status()).isEqualTo(403);
            assertThat(o.errorType()).isEqualTo("approval-timeout");
            // both approvals were created at the same instant of the test's clock: found by id, not by order
            assertThat(approvals("wsno")).filteredOn(a -> a.get("id").asString().equals(p.get("id").asString()))
                    .singleElement().satisfies(a -> assertThat(a.get("state").asString()).isEqualTo("timed_out"));
        } finally {
            slow.close();
        }
        assertThat(upstreamFor("/wsno/")).isEmpty();
    }

    @Test
    void webSocketClientThatGoesAwayCancelsItsPendingApproval() throws Exception {
        webSocketService("wsgone");
        WsClient ws = ws("/wsgone/socket");
        try {
            JsonNode p = pending("wsgone");
            ws.cancel(); // the client closes its connection while held
            await("the approval cancelled", () -> approvals("wsgone").getFirst().get("state").asString().equals("cancelled"));
            assertThat(approvals("wsgone").getFirst().get("id").asString()).isEqualTo(p.get("id").asString());
            assertThat(upstreamFor("/wsgone/")).isEmpty();
        } finally {
            ws.close();
        }
    }
}
