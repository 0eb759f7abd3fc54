package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.aws.AwsEnv;
import dev.keyway.server.source.FakeAwsSecrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * Credentials linked to AWS Secrets Manager and SSM Parameter Store through the whole product with
 * real curl: a real server whose AWS environment points at {@link FakeAwsSecrets} (host keys from
 * the environment, endpoints from {@code AWS_ENDPOINT_URL_SECRETS_MANAGER} /
 * {@code AWS_ENDPOINT_URL_SSM}), and an HTTPS upstream that records every request before answering.
 * Each test uses its own credential, secret and path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsLinkedCredentialEndToEndTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;

    final MutableClock clock = new MutableClock(java.time.Instant.now()); // curl checks the minted leaves against real time
    final List<String> upstreamSeen = new CopyOnWriteArrayList<>();
    MockWebServer upstream;
    FakeAwsSecrets aws;
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
        aws = new FakeAwsSecrets("eu-west-3");
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", FakeAwsSecrets.KEY_ID,
                "AWS_SECRET_ACCESS_KEY", FakeAwsSecrets.SECRET_KEY, "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", aws.url(), "AWS_ENDPOINT_URL_SSM", aws.url());
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0).withUpstream(caFile, null, true, List.of());
        ts = TestServer.start(cfg, new AwsEnv(env, dir.resolve("home"), caFile, null), clock);
        keywayCa = dir.resolve("data/ca.pem");
        ok(ts.call("POST", "/v1/sources", """
                {"name":"sm","type":"aws-secrets-manager","settings":{"region":"eu-west-3"},"secrets":{}}"""));
        ok(ts.call("POST", "/v1/sources", """
                {"name":"params","type":"aws-ssm","settings":{"region":"eu-west-3"},"secrets":{}}"""));
        String token = JSON.readTree(ok(ts.call("POST", "/v1/tokens", "{\"vault\":\"default\",\"ttl\":\"30d\"}")))
                .get("token").asString();
        proxyUrl = "http://" + token + ":default@127.0.0.1:" + ts.server.proxyPort();
    }

    @AfterAll
    void stop() throws Exception {
        ts.close();
        upstream.close();
        aws.close();
    }

    static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    void link(String name, String source, String ref, String path, String ttl) throws Exception {
        ok(ts.call("PUT", "/v1/vaults/default/credentials/" + name + "/link", """
                {"source":"%s","ref":"%s","ttl":"%s","max_stale":"0s"}""".formatted(source, ref, ttl)));
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
    void secretsManagerJsonKeyIsInjectedAndTheRotatedValueIsUsedAfterTheTtl() throws Exception {
        aws.putSecret("prod/rot", "AWSCURRENT", "v1", "{\"api_key\":\"sk-aws-one\"}");
        link("AWS_ROT", "sm", "prod/rot#api_key", "rot", "5m");
        Curl.Result first = curl("rot");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("upstream-ok").doesNotContain("sk-aws-one");
        assertThat(upstreamFor("rot")).containsExactly("/rot/x Bearer sk-aws-one");
        assertThat(aws.seen()).anySatisfy(s -> {
            assertThat(s.target()).isEqualTo("secretsmanager.GetSecretValue");
            assertThat(s.service()).as("a valid SigV4 signature from the host key").isEqualTo("secretsmanager");
        });

        aws.putSecret("prod/rot", "AWSCURRENT", "v2", "{\"api_key\":\"sk-aws-two\"}");
        assertThat(curl("rot").exit()).isZero();
        assertThat(upstreamFor("rot").getLast()).as("within the TTL: cached").isEqualTo("/rot/x Bearer sk-aws-one");
        clock.advance(Duration.ofMinutes(5));
        assertThat(curl("rot").exit()).isZero();
        assertThat(upstreamFor("rot").getLast()).isEqualTo("/rot/x Bearer sk-aws-two");
    }

    @Test
    void ssmParameterIsInjectedDecrypted() throws Exception {
        aws.putParameter("/prod/ssm-key", "sk-from-ssm", 3);
        link("SSM_KEY", "params", "/prod/ssm-key", "ssm", "5m");
        Curl.Result r = curl("ssm");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(upstreamFor("ssm")).containsExactly("/ssm/x Bearer sk-from-ssm");
    }

    @Test
    void aMissingSecretFailsClosedWith503AndTheUpstreamReceivesNothing() throws Exception {
        link("AWS_MISSING", "sm", "prod/missing#api_key", "missing", "5m");
        Curl.Result r = curl("missing");
        assertThat(r.lastStatus()).isEqualTo(503);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: credential-source-unavailable")
                .contains("source 'sm'").contains("ResourceNotFoundException");
        assertThat(upstreamFor("missing")).as("nothing forwarded").isEmpty();
    }

    @Test
    void aValueWithCrLfIsRefusedLikeAStoredOne() throws Exception {
        aws.putSecret("prod/crlf", "AWSCURRENT", "v1", "{\"api_key\":\"sk-a\\r\\nX-Injected: 1\"}");
        link("AWS_CRLF", "sm", "prod/crlf#api_key", "crlf", "5m");
        Curl.Result r = curl("crlf");
        assertThat(r.lastStatus()).isEqualTo(502);
        assertThat(r.out()).containsIgnoringCase("Keyway-Error: credential-unavailable").doesNotContain("X-Injected");
        assertThat(upstreamFor("crlf")).isEmpty();
    }
}
