package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keyway.cli.aws.AwsChildConfig;
import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.aws.AwsPlaceholders;
import dev.keyway.core.aws.SigV4;
import dev.keyway.core.aws.SigV4Signer;
import dev.keyway.server.ServerConfig;
import dev.keyway.server.aws.AwsEnv;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign mode beyond S3/STS: DynamoDB's JSON protocol (POST with {@code X-Amz-Target} and a JSON body
 * the proxy must hash to re-sign) and a Bedrock-runtime-style streaming response, both sent with the
 * placeholder key through the proxy to a fake that accepts only assumed-role signatures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliAwsSignApisTest {
    static final AwsCredentials PLACEHOLDER = new AwsCredentials(AwsPlaceholders.ACCESS_KEY_ID, AwsPlaceholders.SECRET_ACCESS_KEY,
            null, null);

    @TempDir
    static Path dir;

    FakeAws aws;
    CliHarness kw;
    String token;

    @BeforeAll
    void start() throws Exception {
        aws = new FakeAws(dir);
        kw = CliHarness.start(ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0)
                .withUpstream(aws.caFile(), null, true, List.of()), new AwsEnv(aws.keywayEnv(), dir, null, null));
        kw.cli("vault", "create", "apis").ok();
        kw.cli("aws", "grant", "--vault", "apis", "--role", CliAwsTest.ROLE, "--mode", "sign", "--host", "localhost:" + aws.port(),
                "--no-verify").ok();
        token = kw.cli("token", "create", "--vault", "apis", "--ttl", "1h", "--json").ok().json().get("token").asString();
    }

    @AfterAll
    void stop() {
        kw.close();
        aws.close();
    }

    /** An SDK-style request signed with the placeholder key (no x-amz-content-sha256: JSON APIs sign the body's hash). */
    byte[] placeholderSigned(String method, String path, String service, Map<String, String> extra, byte[] body) {
        List<SigV4Signer.Header> h = new ArrayList<>(List.of(new SigV4Signer.Header("Host", "localhost:" + aws.port()),
                new SigV4Signer.Header("Content-Length", Integer.toString(body.length))));
        extra.forEach((k, v) -> h.add(new SigV4Signer.Header(k, v)));
        SigV4Signer.Signed signed = SigV4Signer.sign(new SigV4Signer.Request(method, path, h, SigV4.sha256Hex(body)), PLACEHOLDER,
                "us-east-1", service, Instant.now(), SigV4Signer.ALL_HEADERS);
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
        for (SigV4Signer.Header x : signed.headers()) {
            req.append(x.name()).append(": ").append(x.value()).append("\r\n");
        }
        return req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void dynamoDbJsonCallIsReSignedOverItsBodyHash() throws Exception {
        byte[] body = "{\"Limit\":10}".getBytes(StandardCharsets.UTF_8);
        byte[] head = placeholderSigned("POST", "/", "dynamodb", Map.of("Content-Type", "application/x-amz-json-1.0",
                "X-Amz-Target", "DynamoDB_20120810.ListTables"), body);
        int mark = aws.seen.size();
        String status = ThroughProxy.send(kw.server().proxyPort(), token + ":apis", "localhost", aws.port(),
                kw.dataDir().resolve("ca.pem"), head, body);
        assertThat(status).startsWith("HTTP/1.1 200");
        List<FakeAws.Seen> mine = aws.seen.subList(mark, aws.seen.size());
        assertThat(mine).filteredOn(s -> s.service().equals("dynamodb")).singleElement().satisfies(s -> {
            assertThat(s.operation()).isEqualTo("ListTables");
            assertThat(s.status()).isEqualTo(200);
            assertThat(aws.issued).containsKey(s.accessKeyId());
        });
        assertThat(aws.dynamoBodies).contains("{\"Limit\":10}");
        assertThat(AuditFiles.await(kw.dataDir(), "\"operation\":\"ListTables\"", "\"service\":\"dynamodb\"")).contains("\"operation\":\"ListTables\"")
                .contains("\"service\":\"dynamodb\"");

        // the same request straight to the fake (not re-signed) is refused: the placeholder is not a key AWS knows
        byte[] again = placeholderSigned("POST", "/", "dynamodb", Map.of("Content-Type", "application/x-amz-json-1.0",
                "X-Amz-Target", "DynamoDB_20120810.ListTables"), body);
        assertThat(direct(again, body)).startsWith("HTTP/1.1 403");
    }

    @Test
    void unmodifiedAwsCliListsDynamoDbTablesInSignMode() throws Exception {
        if (System.getenv("CI") != null) {
            assertThat(CliAwsTest.awsAvailable()).as("the aws CLI is not installed (apt-get install awscli; .ci/run installs it)")
                    .isTrue();
        }
        assumeTrue(CliAwsTest.awsAvailable(), "the aws CLI is not installed");
        Path run = Files.createDirectories(dir.resolve("run-ddb"));
        AwsChildConfig.Child child = AwsChildConfig.write(run, "aws", List.of("keyway"), "us-east-1", "sign", null,
                kw.dataDir().resolve("ca.pem"));
        Map<String, String> env = new HashMap<>(child.set());
        env.put("HTTPS_PROXY", "http://" + token + ":apis@127.0.0.1:" + kw.server().proxyPort());
        int mark = aws.seen.size();
        CliAwsTest.Proc p = CliAwsTest.run(List.of(CliAwsTest.awsCli(), "dynamodb", "list-tables", "--endpoint-url", aws.url(),
                "--output", "json"), env, run);
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(CliHarness.JSON.readTree(p.out()).get("TableNames").toString()).isEqualTo("[\"agent-table\",\"audit-table\"]");
        assertThat(aws.seen.subList(mark, aws.seen.size())).anyMatch(s -> s.service().equals("dynamodb")
                && s.operation().equals("ListTables") && aws.issued.containsKey(s.accessKeyId()));
    }

    @Test
    void bedrockStyleEventStreamArrivesWhileTheResponseIsStillOpen() throws Exception {
        byte[] body = "{\"prompt\":\"hi\",\"max_tokens\":5}".getBytes(StandardCharsets.UTF_8);
        String path = "/model/anthropic.claude-v2/invoke-with-response-stream";
        byte[] head = placeholderSigned("POST", path, "bedrock", Map.of("Content-Type", "application/json",
                "Accept", "application/vnd.amazon.eventstream"), body);
        try (SSLSocket tls = ThroughProxy.open(kw.server().proxyPort(), token + ":apis", "localhost", aws.port(),
                kw.dataDir().resolve("ca.pem"))) {
            tls.setSoTimeout(30_000);
            tls.getOutputStream().write(head);
            tls.getOutputStream().write(body);
            tls.getOutputStream().flush();
            InputStream in = tls.getInputStream();
            String status = ThroughProxy.readHead(in);
            assertThat(status).startsWith("HTTP/1.1 200").containsIgnoringCase("application/vnd.amazon.eventstream");
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            readUntil(in, got, "event-1:hello;"); // the fake is still holding the response open
            assertThat(got.toString(StandardCharsets.ISO_8859_1)).doesNotContain("event-2");
            aws.releaseStream.countDown();
            readUntil(in, got, "event-2:world;");
        } finally {
            aws.releaseStream.countDown();
        }
        assertThat(aws.seen).anyMatch(s -> s.service().equals("bedrock") && s.path().equals(path)
                && aws.issued.containsKey(s.accessKeyId()));
        assertThat(AuditFiles.await(kw.dataDir(), "\"service\":\"bedrock\"")).contains("\"service\":\"bedrock\"");
    }

    private static void readUntil(InputStream in, ByteArrayOutputStream got, String marker) throws Exception {
        byte[] buf = new byte[4096];
        while (!got.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("stream ended before " + marker + ": " + got.toString(StandardCharsets.ISO_8859_1));
            }
            got.write(buf, 0, n);
        }
    }

    private String direct(byte[] head, byte[] body) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream pem = Files.newInputStream(aws.caFile())) {
            ks.setCertificateEntry("fake", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", aws.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(head);
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            return ThroughProxy.readHead(s.getInputStream());
        }
    }
}
