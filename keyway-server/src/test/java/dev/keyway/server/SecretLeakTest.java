package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.tls.Certificates;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Security invariant: a real secret never appears in anything Keyway writes outside the vault:
 * server logs (captured at TRACE level, Netty included), API responses including every error
 * body, proxy responses seen by the client, and the audit log. The scenario deliberately drives
 * success paths, error paths and a master-key rotation with canary values.
 */
class SecretLeakTest {
    static final String CANARY = "canary-leak-6c1e93b0f2a8d";
    static final String CANARY_NL = "canary-nl-77aa01\r\nX-Evil: 1";
    /** Alphanumeric only, so a parser quoting an unquoted token would quote all of it. */
    static final String CANARY_TOKEN = "canaryleakQ9w8e7r6t5y4u3";
    /** A linked credential's value in an external store (issue 10), and the token Keyway authenticates to that store with. */
    static final String CANARY_SOURCE = "canary-source-value-31f0c2d9";
    static final String CANARY_SOURCE_AUTH = "hvs.canary-source-auth-8b7a6c";

    @TempDir
    Path dir;

    @Test
    void secretsNeverLeakIntoLogsResponsesOrAudit() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> app = new OutputStreamAppender<>();
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%level %logger %msg %ex%n");
        enc.start();
        app.setContext(ctx);
        app.setEncoder(enc);
        app.setOutputStream(captured);
        app.start();
        root.addAppender(app);
        root.setLevel(Level.TRACE);
        ctx.getLogger("io.netty").setLevel(Level.TRACE);
        ctx.getLogger("dev.keyway").setLevel(Level.TRACE);
        List<String> seen = new ArrayList<>();
        try {
            scenario(seen);
        } finally {
            root.detachAppender(app);
            root.setLevel(before);
            ctx.getLogger("io.netty").setLevel(Level.INFO);
            ctx.getLogger("dev.keyway").setLevel(null);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertThat(logs.lines().count()).as("log output was captured at TRACE").isGreaterThan(20);
        for (String secret : List.of(CANARY, "canary-nl-77aa01", CANARY_TOKEN, CANARY_SOURCE, CANARY_SOURCE_AUTH)) {
            assertThat(logs).as("server logs").doesNotContain(secret);
            for (String s : seen) {
                assertThat(s).as("a response or client output").doesNotContain(secret);
            }
            assertThat(Files.readString(dir.resolve("data/audit.jsonl"))).as("audit log").doesNotContain(secret);
        }
        // nothing of a source's value or of its authentication secret in any file of the data dir
        // (database, WAL, audit, key files): the value is never persisted, the token only sealed
        try (var files = Files.walk(dir.resolve("data"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String secret : List.of(CANARY_SOURCE, CANARY_SOURCE_AUTH)) {
                    assertThat(bytes).as("data dir file " + f).doesNotContain(secret);
                }
            }
        }
    }

    /** Linked credentials (issue 10): a source with a sealed token, a fetched value injected, a failing fetch, test, reveal. */
    private static void linkedScenario(TestServer ts, List<String> seen, int port, String proxy, String kwCa,
            MockWebServer up) throws Exception {
        try (dev.keyway.server.source.FakeVault vault = new dev.keyway.server.source.FakeVault()) {
            vault.tokens.put(CANARY_SOURCE_AUTH, 0L);
            vault.putV2("secret/leak", java.util.Map.of("key", CANARY_SOURCE));
            vault.fail("/v1/secret/data/sealed", 503, "Vault is sealed", null);
            seen.add(ts.call("POST", "/v1/sources", """
                    {"name":"vault","type":"hashicorp-vault","settings":{"addr":"%s"},"secrets":{"token":"%s"}}"""
                    .formatted(vault.url(), CANARY_SOURCE_AUTH)).body());
            seen.add(ts.call("POST", "/v1/sources", """
                    {"name":"Bad Name","type":"hashicorp-vault","settings":{"addr":"%s"},"secrets":{"token":"%s"}}"""
                    .formatted(vault.url(), CANARY_SOURCE_AUTH)).body());
            seen.add(ts.call("POST", "/v1/sources", """
                    {"name":"bad","type":"hashicorp-vault","settings":{"addr":"%s","oops":"x"},"secrets":{"token":"%s"}}"""
                    .formatted(vault.url(), CANARY_SOURCE_AUTH)).body());
            seen.add(ts.call("GET", "/v1/sources", null).body());
            seen.add(ts.call("GET", "/v1/sources/vault", null).body());
            seen.add(ts.call("POST", "/v1/sources/vault/test", "{\"ref\":\"secret/leak#key\"}").body());
            seen.add(ts.call("POST", "/v1/sources/vault/test", "{\"ref\":\"secret/sealed#key\"}").body());
            seen.add(ts.call("PUT", "/v1/vaults/default/credentials/LINKED/link",
                    "{\"source\":\"vault\",\"ref\":\"secret/leak#key\"}").body());
            seen.add(ts.call("PUT", "/v1/vaults/default/credentials/SEALED/link",
                    "{\"source\":\"vault\",\"ref\":\"secret/sealed#key\"}").body());
            seen.add(ts.call("GET", "/v1/vaults/default/credentials", null).body());
            seen.add(ts.call("POST", "/v1/vaults/default/services", """
                    {"name":"linked","host":"localhost:%d","allow_private":true,"paths":["/linked/**"],
                     "inject":{"header":{"X-Linked":"{LINKED}"}}}""".formatted(port)).body());
            seen.add(ts.call("POST", "/v1/vaults/default/services", """
                    {"name":"sealed","host":"localhost:%d","allow_private":true,"paths":["/sealed/**"],
                     "inject":{"bearer":"SEALED"}}""".formatted(port)).body());
            up.enqueue(new MockResponse.Builder().body("linked-fine").build());
            for (String path : List.of("/linked/1", "/sealed/1")) {
                Curl.Result r = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", kwCa,
                        "https://localhost:" + port + path);
                seen.add(r.out());
                seen.add(r.err());
            }
            assertThat(up.takeRequest().getHeaders().get("X-Linked")).as("the linked injection really happened")
                    .isEqualTo(CANARY_SOURCE);
        }
    }

    /**
     * A WebSocket upgrade through the proxy over a raw CONNECT tunnel (TLS trusting Keyway's CA);
     * returns everything the client received.
     */
    private static String webSocketUpgrade(int proxyPort, String token, Path keywayCa, int port, String target)
            throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxyPort)) {
            s.setSoTimeout(20_000);
            String auth = Base64.getEncoder().encodeToString((token + ":default").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(("CONNECT localhost:" + port + " HTTP/1.1\r\nHost: localhost:" + port
                    + "\r\nProxy-Authorization: Basic " + auth + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int c = s.getInputStream().read();
                if (c < 0) {
                    break;
                }
                head.write(c);
            }
            assertThat(head.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
            HandshakeCertificates trust = new HandshakeCertificates.Builder()
                    .addTrustedCertificate(Certificates.decodeCertificatePem(Files.readString(keywayCa))).build();
            SSLSocket ssl = (SSLSocket) trust.sslSocketFactory().createSocket(s, "localhost", port, true);
            SSLParameters p = ssl.getSSLParameters();
            p.setApplicationProtocols(new String[] {"http/1.1"});
            ssl.setSSLParameters(p);
            ssl.startHandshake();
            ssl.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost:" + port
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = ssl.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (java.io.IOException e) {
                // the proxy closed the tunnel after the (non-101) answer
            }
            String out = got.toString(StandardCharsets.ISO_8859_1);
            assertThat(out).startsWith("HTTP/1.1 200").contains("ws-fine");
            return out;
        }
    }

    private void scenario(List<String> seen) throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).ecdsa256().build();
        HeldCertificate leaf = new HeldCertificate.Builder().addSubjectAlternativeName("localhost").ecdsa256().signedBy(ca).build();
        try (MockWebServer up = new MockWebServer()) {
            up.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf).build().sslSocketFactory());
            up.start();
            Path caFile = dir.resolve("ca.pem");
            Files.writeString(caFile, ca.certificatePem());
            ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
            try (TestServer ts = TestServer.start(cfg)) {
                JsonMapper json = JsonMapper.builder().build();
                String esc = json.writeValueAsString(CANARY_NL);
                seen.add(ts.call("PUT", "/v1/vaults/default/credentials/GOOD", "{\"value\":\"" + CANARY + "\"}").body());
                seen.add(ts.call("PUT", "/v1/vaults/default/credentials/BAD", "{\"value\":" + esc + "}").body());
                // error paths that carry the secret in the request
                seen.add(ts.call("PUT", "/v1/vaults/default/credentials/GOOD", "{\"value\":\"" + CANARY + "\",\"oops\":\"" + CANARY + "\"}").body());
                seen.add(ts.call("PUT", "/v1/vaults/default/credentials/lower", "{\"value\":\"" + CANARY + "\"}").body());
                seen.add(ts.call("PUT", "/v1/vaults/default/credentials/GOOD", "{\"value\":\"" + CANARY).body());
                seen.add(ts.call("PUT", "/v1/vaults/default/credentials/GOOD", "{\"value\": " + CANARY_TOKEN + "}").body()); // unquoted
                seen.add(ts.call("PUT", "/v1/vaults/default/credentials/GOOD", "{\"value\": [\"" + CANARY + "\"]}").body());
                seen.add(ts.call("PUT", "/v1/vaults/nope/credentials/GOOD", "{\"value\":\"" + CANARY + "\"}").body());
                seen.add(ts.call("GET", "/v1/vaults/default/credentials/GOOD", null).body());
                seen.add(ts.call("GET", "/v1/vaults/default/credentials", null).body());
                int port = up.getPort();
                seen.add(ts.call("POST", "/v1/vaults/default/services", """
                        {"name":"good","host":"localhost:%d","allow_private":true,"paths":["/ok/**"],"inject":{"header":{"X-Api-Key":"{GOOD}"}}}"""
                        .formatted(port)).body());
                seen.add(ts.call("POST", "/v1/vaults/default/services", """
                        {"name":"bad","host":"127.0.0.1:%d","allow_private":true,"inject":{"bearer":"BAD"}}""".formatted(port)).body());
                // substitution into the path and query (the built-in telegram template's shape), and a
                // substituting service whose upstream is down (the denied record after the decision)
                seen.add(ts.call("POST", "/v1/vaults/default/services", """
                        {"name":"sub","host":"localhost:%d","allow_private":true,"paths":["/sub/**"],
                         "inject":{"substitute":{"placeholder":"__GOOD__","credential":"GOOD","in":["path","query"]}}}"""
                        .formatted(port)).body());
                seen.add(ts.call("POST", "/v1/vaults/default/services", """
                        {"name":"dead","host":"localhost:1","allow_private":true,
                         "inject":{"substitute":{"placeholder":"__DEAD__","credential":"GOOD","in":["path"]}}}""").body());
                // a composite value over both canaries: refused (BAD has CR/LF), the refusal names the expression only
                seen.add(ts.call("POST", "/v1/vaults/default/services", """
                        {"name":"comp","host":"localhost:%d","allow_private":true,"paths":["/comp/**"],
                         "inject":{"header":{"X-Comp":"{GOOD + \\"-\\" + BAD}"}}}""".formatted(port)).body());
                seen.add(ts.call("POST", "/v1/vaults/default/explain",
                        "{\"url\":\"https://localhost:" + port + "/comp/x\"}").body());
                String token = json.readTree(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\"}").body()).get("token").asString();
                String proxy = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
                String kwCa = dir.resolve("data/ca.pem").toString();
                up.enqueue(new MockResponse.Builder().body("fine").build());
                for (String[] args : List.of(
                        new String[] {"https://localhost:" + port + "/ok/1"},
                        new String[] {"https://localhost:" + port + "/not-allowed"},
                        new String[] {"--cacert", caFile.toString(), "https://127.0.0.1:" + port + "/x"},
                        new String[] {"https://localhost:1/ok/__DEAD__"})) {
                    List<String> a = new ArrayList<>(List.of("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", kwCa));
                    a.addAll(List.of(args));
                    Curl.Result r = Curl.run(a.toArray(String[]::new));
                    seen.add(r.out());
                    seen.add(r.err());
                }
                var rec = up.takeRequest();
                assertThat(rec.getHeaders().get("X-Api-Key")).isEqualTo(CANARY); // the injection really happened

                Curl.Result comp = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", kwCa,
                        "https://localhost:" + port + "/comp/x");
                seen.add(comp.out());
                seen.add(comp.err());
                assertThat(comp.out()).as("the composite value was refused, naming the expression")
                        .contains("502").contains("credential-unavailable").contains("{GOOD + \\\"-\\\" + BAD}");

                up.enqueue(new MockResponse.Builder().body("sent").build());
                Curl.Result sub = Curl.run("-sS", "-i", "--max-time", "20", "--proxy", proxy, "--cacert", kwCa,
                        "https://localhost:" + port + "/sub/bot__GOOD__/sendMessage?chat=1&token=__GOOD__");
                seen.add(sub.out());
                seen.add(sub.err());
                assertThat(up.takeRequest().getTarget()).as("path and query substitution really happened")
                        .isEqualTo("/sub/bot" + CANARY + "/sendMessage?chat=1&token=" + CANARY);

                up.enqueue(new MockResponse.Builder().body("ws-fine").build());
                seen.add(webSocketUpgrade(ts.server.proxyPort(), token, Path.of(kwCa), port,
                        "/sub/ws/__GOOD__?token=__GOOD__"));
                assertThat(up.takeRequest().getTarget()).as("WebSocket upgrade substitution really happened")
                        .isEqualTo("/sub/ws/" + CANARY + "?token=" + CANARY);

                String audit = Files.readString(dir.resolve("data/audit.jsonl"));
                assertThat(audit).as("the audit records what the client sent")
                        .contains("\"path\":\"/sub/bot__GOOD__/sendMessage\"", "\"path\":\"/sub/ws/__GOOD__\"",
                                "\"path\":\"/ok/__DEAD__\"");
                linkedScenario(ts, seen, port, proxy, kwCa, up);
                seen.add(ts.call("POST", "/v1/admin/master-key/rotate", "{}").body());
                seen.add(ts.call("GET", "/v1/audit?limit=1000", null).body());
            }
        }
    }
}
