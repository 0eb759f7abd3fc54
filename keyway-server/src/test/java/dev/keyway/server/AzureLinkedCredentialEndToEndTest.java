package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.source.FakeAzureKeyVault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * Credentials linked to Azure Key Vault through the whole product with real curl: a real server whose
 * clock the test moves, a {@link FakeAzureKeyVault} (Entra ID token endpoint and Key Vault, reached
 * through the source's {@code --authority-host} and {@code --vault-url-template}), and an HTTPS
 * upstream that records every request before answering. Each test uses its own credential, secret and path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureLinkedCredentialEndToEndTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    final MutableClock clock = new MutableClock(java.time.Instant.now()); // curl checks the minted leaves against real time
    final List<String> upstreamSeen = new CopyOnWriteArrayList<>();
    MockWebServer upstream;
    FakeAzureKeyVault az;
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
                return new MockResponse.Builder().code(200).body("upstream-ok").build();
            }
        });
        upstream.start();
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.writeString(caFile, upstreamCa.certificatePem());
        az = new FakeAzureKeyVault();
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
        ts = TestServer.start(cfg, clock);
        keywayCa = dir.resolve("data/ca.pem");
        ok(ts.call("POST", "/v1/sources", """
                {"name":"kv","type":"azure-key-vault","settings":{"tenant_id":"%s","client_id":"%s","authority_host":"%s",
                "vault_url_template":"%s/{vault}"},"secrets":{"client_secret":"%s"}}"""
                .formatted(FakeAzureKeyVault.TENANT, FakeAzureKeyVault.CLIENT_ID, az.url(), az.url(), az.clientSecret)));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30d\"}")))
                .get("token").asString();
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
        az.close();
    }

    static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    void link(String name, String ref, String path) throws Exception {
        ok(ts.call("PUT", "/v1/vaults/default/credentials/" + name + "/link", """
                {"source":"kv","ref":"%s","ttl":"5m","max_stale":"0s"}""".formatted(ref)));
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

    @Test
    void theValueIsInjectedAndTheNewVersionIsUsedAfterTheTtlAndTheClientSecretIsNotKept() throws Exception {
        az.addVersion("kw-prod", "rot", "sk-az-linked-one");
        link("AZ_ROT", "kw-prod/rot", "rot");
        Curl.Result first = curl("rot");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("upstream-ok").doesNotContain("sk-az-linked-one");
        assertThat(upstreamFor("rot")).containsExactly("/rot/x Bearer sk-az-linked-one");

        String v2 = az.addVersion("kw-prod", "rot", "sk-az-linked-two");
        assertThat(curl("rot").exit()).isZero();
        assertThat(upstreamFor("rot").getLast()).as("within the TTL: cached").isEqualTo("/rot/x Bearer sk-az-linked-one");
        clock.advance(Duration.ofMinutes(5));
        assertThat(curl("rot").exit()).isZero();
        assertThat(upstreamFor("rot").getLast()).isEqualTo("/rot/x Bearer sk-az-linked-two");

        String test = ok(ts.call("POST", "/v1/sources/kv/test", "{\"ref\":\"kw-prod/rot\"}"));
        assertThat(test).contains("\"ok\":true").contains("\"bytes\":16").contains("\"version\":\"" + v2 + "\"")
                .doesNotContain("sk-az-linked");
        assertThat(ok(ts.call("GET", "/v1/sources", null))).contains("\"secrets\":[\"client_secret\"]").doesNotContain(az.clientSecret);
        try (Stream<Path> files = Files.walk(dir.resolve("data"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(f.toString()).doesNotContain("sk-az-linked").doesNotContain(az.clientSecret);
            }
        }
    }

    @Test
    void aMissingSecretFailsClosedWith503AndTheUpstreamReceivesNothing() throws Exception {
        link("AZ_MISSING", "kw-prod/missing", "missing");
        Curl.Result r = curl("missing");
        assertThat(r.lastStatus()).isEqualTo(503);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: credential-source-unavailable").contains("source 'kv'")
                .contains("SecretNotFound");
        assertThat(upstreamFor("missing")).as("nothing forwarded").isEmpty();
    }
}
