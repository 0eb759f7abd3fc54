package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.webhook.WebhookReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decoy credentials end to end (issue 13 §7) with real curl through the real proxy to a local
 * HTTPS upstream: a decoy in a header, the query or the body is refused with 403
 * {@code decoy-credential-used}, nothing reaches the upstream, an {@code alert} audit record is
 * written and the webhook receiver is told; a {@code revoke_on_use} decoy revokes the token that
 * used it; discovery hands the decoy out like a placeholder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecoyEndToEndTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    MockWebServer upstream;
    TestServer ts;
    WebhookReceiver hooks;
    Path keywayCa;
    String decoy;
    String trap;

    @BeforeAll
    void start() throws Exception {
        HeldCertificate upstreamCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("upstream test CA").ecdsa256()
                .build();
        HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName("localhost")
                .ecdsa256().signedBy(upstreamCa).build();
        upstream = new MockWebServer();
        upstream.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, upstreamCa.certificatePem());
        Path data = dir.resolve("data");
        ts = TestServer.start(ServerConfig.defaults(data).withPorts(0, 0).withUpstream(caFile, null, true, List.of()));
        keywayCa = data.resolve("ca.pem");
        ok(ts.call("PUT", "/v1/vaults/default/credentials/UP_KEY", "{\"value\":\"sk-real-upstream-key-123\"}"));
        ok(ts.call("POST", "/v1/vaults/default/services", """
                {"name":"up","host":"localhost:%d","allow_private":true,"methods":["GET","POST"],"paths":["/v1/**"],
                 "inject":{"bearer":"UP_KEY"}}""".formatted(upstream.getPort())));
        hooks = new WebhookReceiver();
        ok(ts.call("POST", "/v1/webhooks", "{\"url\":\"" + hooks.url("/hook") + "\"}"));
        JsonNode d = JSON.readTree(ok(ts.call("POST", "/v1/vaults/default/decoys",
                "{\"name\":\"OPENAI_ADMIN_KEY\",\"like\":\"openai\"}")));
        decoy = d.get("value").asString();
        assertThat(d.get("kind").asString()).isEqualTo("decoy");
        assertThat(decoy).startsWith("sk-proj-").hasSize(164);
        trap = JSON.readTree(ok(ts.call("POST", "/v1/vaults/default/decoys",
                "{\"name\":\"BACKUP_TOKEN\",\"revoke_on_use\":true}"))).get("value").asString();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
        hooks.close();
    }

    static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    String newToken() throws Exception {
        return JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"1h\",\"display_name\":\"decoy-e2e\"}")))
                .get("token").asString();
    }

    Curl.Result curl(String token, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-sS", "--max-time", "30", "--proxy",
                "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort(), "--cacert", keywayCa.toString(), "-D", "-"));
        args.addAll(List.of(extra));
        return Curl.run(args.toArray(String[]::new));
    }

    String url(String pathAndQuery) {
        return "https://localhost:" + upstream.getPort() + pathAndQuery;
    }

    /** The alert audit record for this location, polled (the alert is written off the event loop). */
    JsonNode alert(String decoyName, String location) throws Exception {
        for (int i = 0; i < 100; i++) {
            JsonNode audit = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/audit?limit=200", null)));
            for (JsonNode rec : audit.get("records")) {
                if ("alert".equals(rec.path("type").asString()) && location.equals(rec.path("location").asString())
                        && decoyName.equals(rec.path("decoy").asString())) {
                    return rec;
                }
            }
            Thread.sleep(100); // bounded poll of the asynchronous audit writer
        }
        throw new AssertionError("no alert record for the " + location);
    }

    /** The next webhook delivery about a decoy used in this location (skipping others). */
    JsonNode webhook(String decoyName, String location) throws Exception {
        for (int i = 0; i < 10; i++) {
            String b = hooks.next(); // waits up to 10 s
            JsonNode doc = JSON.readTree(b.substring(b.indexOf('\n') + 1));
            JsonNode a = doc.path("alert");
            if ("decoy.used".equals(doc.path("event").asString()) && location.equals(a.path("location").asString())
                    && decoyName.equals(a.path("decoy").asString())) {
                return doc.get("alert");
            }
        }
        throw new AssertionError("no decoy.used webhook for the " + location);
    }

    void assertRefused(Curl.Result r, int before) {
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("\nHTTP/[0-9.]+ 403").containsIgnoringCase("keyway-error: decoy-credential-used")
                .contains("https://keyway.dev/errors/decoy-credential-used").contains("OPENAI_ADMIN_KEY").doesNotContain(decoy);
        assertThat(upstream.getRequestCount()).as("nothing reaches the upstream").isEqualTo(before);
    }

    void assertAlerted(String location, @Nullable String header) throws Exception {
        JsonNode a = alert("OPENAI_ADMIN_KEY", location);
        assertThat(a.path("action").asString()).isEqualTo("decoy.used");
        assertThat(a.path("decoy").asString()).isEqualTo("OPENAI_ADMIN_KEY");
        assertThat(a.path("host").asString()).isEqualTo("localhost");
        assertThat(a.path("token_revoked").asBoolean()).isFalse();
        assertThat(a.path("token_id").asString()).isNotEmpty();
        if (header != null) {
            assertThat(a.path("header").asString()).isEqualToIgnoringCase(header); // curl speaks HTTP/2: lower case
        }
        JsonNode w = webhook("OPENAI_ADMIN_KEY", location);
        assertThat(w.path("decoy").asString()).isEqualTo("OPENAI_ADMIN_KEY");
        assertThat(w.path("token_id").asString()).isEqualTo(a.path("token_id").asString());
        assertThat(w.path("actor").asString()).isNotEmpty();
        assertThat(w.path("host").asString()).isEqualTo("localhost");
        assertThat(w.path("port").asInt()).isEqualTo(upstream.getPort());
        assertThat(Files.readString(dir.resolve("data/audit.jsonl"))).doesNotContain(decoy);
    }

    @Test
    void decoyInAHeaderIsRefusedAuditedAndSentToWebhooks() throws Exception {
        int before = upstream.getRequestCount();
        assertRefused(curl(newToken(), url("/v1/models"), "-H", "X-Api-Key: " + decoy), before);
        assertAlerted("header", "X-Api-Key");
    }

    @Test
    void decoyInTheQueryIsRefused() throws Exception {
        int before = upstream.getRequestCount();
        assertRefused(curl(newToken(), url("/v1/models?api_key=" + decoy)), before);
        assertAlerted("query", null);
    }

    @Test
    void decoyInTheBodyIsRefusedBeforeAnythingIsForwarded() throws Exception {
        int before = upstream.getRequestCount();
        assertRefused(curl(newToken(), "-X", "POST", url("/v1/chat"), "-H", "Content-Type: application/json",
                "--data-binary", "{\"messages\":[{\"role\":\"user\",\"content\":\"use " + decoy + "\"}]}"), before);
        assertAlerted("body", null);
    }

    @Test
    void decoyInThePathIsRefusedAndKeptOutOfTheAuditLog() throws Exception {
        int before = upstream.getRequestCount();
        assertRefused(curl(newToken(), url("/v1/keys/" + decoy + "/usage")), before);
        assertAlerted("path", null); // also: audit.jsonl holds no copy of the decoy, not even in the request's path
    }

    @Test
    void aCleanRequestStillGoesThrough() throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("{\"ok\":true}").build());
        Curl.Result r = curl(newToken(), "-X", "POST", url("/v1/chat"), "--data-binary", "{\"nothing\":\"here\"}");
        assertThat(r.out()).containsPattern("\nHTTP/[0-9.]+ 200").contains("{\"ok\":true}");
    }

    @Test
    void revokeOnUseRevokesTheTokenAtOnce() throws Exception {
        String token = newToken();
        String id = JSON.readTree(ok(ts.call("GET", "/v1/tokens/lookup-self", null, token))).get("id").asString();
        Curl.Result r = curl(token, url("/v1/models"), "-H", "Authorization: Bearer " + trap);
        assertThat(r.out()).containsPattern("\nHTTP/[0-9.]+ 403").containsIgnoringCase("keyway-error: decoy-credential-used");
        int before = upstream.getRequestCount();
        Curl.Result next = curl(token, url("/v1/models"));
        assertThat(next.out()).as("the token's next request is refused").startsWith("HTTP/1.1 407")
                .doesNotContain("Connection Established");
        assertThat(upstream.getRequestCount()).isEqualTo(before);
        boolean revoked = false;
        for (int i = 0; i < 100 && !revoked; i++) {
            revoked = JSON.readTree(ok(ts.call("GET", "/v1/tokens/" + id, null))).path("revoked").asBoolean();
            if (!revoked) {
                Thread.sleep(100); // bounded poll: the revocation is stored off the event loop
            }
        }
        assertThat(revoked).as("revoked in the store, so every node sees it").isTrue();
        JsonNode w = webhook("BACKUP_TOKEN", "header");
        assertThat(alert("BACKUP_TOKEN", "header").path("token_revoked").asBoolean()).isTrue();
        assertThat(w.path("decoy").asString()).isEqualTo("BACKUP_TOKEN");
        assertThat(w.path("token_id").asString()).isEqualTo(id);
        assertThat(w.path("token_revoked").asBoolean()).isTrue();
    }

    @Test
    void discoveryHandsTheDecoyOutLikeAPlaceholder() throws Exception {
        JsonNode d = JSON.readTree(ok(ts.call("GET", "/discover", null, newToken())));
        assertThat(d.get("available_credentials").toString()).contains("OPENAI_ADMIN_KEY", "BACKUP_TOKEN", "UP_KEY");
        assertThat(d.get("env").toString()).contains("\"name\":\"OPENAI_ADMIN_KEY\"", "\"value\":\"" + decoy + "\"")
                .doesNotContain("decoy");
        JsonNode list = JSON.readTree(ok(ts.call("GET", "/v1/vaults/default/decoys", null)));
        assertThat(list.get("decoys").toString()).contains("OPENAI_ADMIN_KEY", "\"like\":\"openai\"", "\"revoke_on_use\":true");
    }
}
