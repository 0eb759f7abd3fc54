package dev.keyway.server.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.keyway.core.testing.MutableClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each source of the server's own AWS credentials, in chain order, against local fakes (never real metadata IPs). */
class HostCredentialChainTest {
    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(Instant.now());
    HttpServer metadata;
    List<String> seen = new CopyOnWriteArrayList<>();
    String credsJson = "{\"AccessKeyId\":\"ASIAMETA\",\"SecretAccessKey\":\"meta-secret\",\"Token\":\"meta-token\",\"Expiration\":\""
            + Instant.now().plusSeconds(3600) + "\"}";

    @BeforeEach
    void start() throws Exception {
        metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metadata.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " auth=" + ex.getRequestHeaders().getFirst("Authorization")
                    + " imds=" + ex.getRequestHeaders().getFirst("X-aws-ec2-metadata-token"));
            String path = ex.getRequestURI().getPath();
            String body = switch (path) {
                case "/latest/api/token" -> "imds-session-token";
                case "/latest/meta-data/iam/security-credentials/" -> "InstanceRole\n";
                default -> credsJson;
            };
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        metadata.start();
    }

    @AfterEach
    void stop() {
        metadata.stop(0);
    }

    String meta() {
        return "http://127.0.0.1:" + metadata.getAddress().getPort();
    }

    HostCredentialChain.HostCredentials resolve(Map<String, String> vars) {
        Map<String, String> env = new HashMap<>(vars);
        env.putIfAbsent("AWS_EC2_METADATA_DISABLED", "true");
        AwsEnv e = new AwsEnv(env, dir.resolve("home"), null, null);
        AwsHttp http = new AwsHttp(e);
        return new HostCredentialChain(e, http, new StsClient(e, http, clock), clock).resolve();
    }

    @Test
    void environmentVariablesComeFirst() {
        var c = resolve(Map.of("AWS_ACCESS_KEY_ID", "AKIAENV", "AWS_SECRET_ACCESS_KEY", "env-secret", "AWS_SESSION_TOKEN", "tok",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", meta() + "/creds"));
        assertThat(c.credentials().accessKeyId()).isEqualTo("AKIAENV");
        assertThat(c.credentials().sessionToken()).isEqualTo("tok");
        assertThat(c.source()).isEqualTo("environment variables");
        assertThat(seen).isEmpty();
    }

    @Test
    void sharedCredentialsAndConfigFilesWithAProfile() throws Exception {
        Path aws = Files.createDirectories(dir.resolve("home/.aws"));
        Files.writeString(aws.resolve("credentials"), """
                [default]
                aws_access_key_id = AKIADEFAULT
                aws_secret_access_key = default-secret
                # a comment
                [ops]
                aws_access_key_id=AKIAOPS
                aws_secret_access_key=ops-secret
                """);
        Files.writeString(aws.resolve("config"), """
                [profile fromconfig]
                aws_access_key_id = AKIACONFIG
                aws_secret_access_key = config-secret
                region = eu-west-1
                """);
        assertThat(resolve(Map.of()).credentials().accessKeyId()).isEqualTo("AKIADEFAULT");
        var ops = resolve(Map.of("AWS_PROFILE", "ops"));
        assertThat(ops.credentials().accessKeyId()).isEqualTo("AKIAOPS");
        assertThat(ops.source()).isEqualTo("profile 'ops'");
        assertThat(resolve(Map.of("AWS_PROFILE", "fromconfig")).credentials().secretAccessKey()).isEqualTo("config-secret");
        Path elsewhere = dir.resolve("other-credentials");
        Files.writeString(elsewhere, "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n");
        assertThat(resolve(Map.of("AWS_SHARED_CREDENTIALS_FILE", elsewhere.toString())).credentials().accessKeyId())
                .isEqualTo("AKIAFILE");
    }

    @Test
    void webIdentityTokenIsExchangedWithSts() throws Exception {
        try (FakeSts sts = new FakeSts(dir, clock)) {
            Path token = dir.resolve("token");
            Files.writeString(token, "eyJ.fake.jwt\n");
            var c = resolve(Map.of("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString(), "AWS_ROLE_ARN",
                    "arn:aws:iam::123456789012:role/Irsa", "AWS_ENDPOINT_URL_STS", sts.url(), "AWS_CA_BUNDLE",
                    sts.caFile().toString(), "AWS_REGION", "eu-west-1"));
            assertThat(c.credentials().accessKeyId()).startsWith("ASIAFAKESESSION");
            assertThat(c.source()).contains("web identity role arn:aws:iam::123456789012:role/Irsa");
            assertThat(sts.calls.getLast()).containsEntry("Action", "AssumeRoleWithWebIdentity")
                    .containsEntry("WebIdentityToken", "eyJ.fake.jwt");
        }
    }

    @Test
    void containerCredentialsWithAnAuthorizationTokenFile() throws Exception {
        Path auth = dir.resolve("auth");
        Files.writeString(auth, "pod-identity-token\n");
        var c = resolve(Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", meta() + "/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", auth.toString()));
        assertThat(c.credentials().accessKeyId()).isEqualTo("ASIAMETA");
        assertThat(c.credentials().expiration()).isNotNull();
        assertThat(seen).containsExactly("GET /v1/credentials auth=pod-identity-token imds=null");
    }

    @Test
    void instanceMetadataUsesAnImdsV2SessionToken() {
        var c = resolve(Map.of("AWS_EC2_METADATA_DISABLED", "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT", meta()));
        assertThat(c.credentials().accessKeyId()).isEqualTo("ASIAMETA");
        assertThat(c.source()).isEqualTo("instance profile role InstanceRole");
        assertThat(seen).containsExactly("PUT /latest/api/token auth=null imds=null",
                "GET /latest/meta-data/iam/security-credentials/ auth=null imds=imds-session-token",
                "GET /latest/meta-data/iam/security-credentials/InstanceRole auth=null imds=imds-session-token");
    }

    @Test
    void nothingConfiguredNamesEverySourceChecked() {
        assertThatThrownBy(() -> resolve(Map.of())).isInstanceOfSatisfying(AwsFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(AwsFailure.Kind.NO_HOST_CREDENTIALS);
            assertThat(f.getMessage()).contains("AWS_ACCESS_KEY_ID").contains("web identity").contains("profile 'default'")
                    .contains("container credentials").contains("disabled by AWS_EC2_METADATA_DISABLED");
        });
    }
}
