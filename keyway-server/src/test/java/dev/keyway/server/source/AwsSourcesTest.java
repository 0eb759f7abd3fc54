package dev.keyway.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.error.KeywayException;
import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.aws.AwsEnv;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code aws-secrets-manager} and {@code aws-ssm} against {@link FakeAwsSecrets} (the AWS JSON 1.1
 * protocol as AWS's API references describe it, with SigV4 verified): opened through
 * {@link SourceTypes} with an {@link AwsEnv} pointing at the fake, so the host credential chain,
 * the endpoint override variables and the signer are the production ones.
 */
class AwsSourcesTest {
    static final String REGION = "eu-west-3";
    final MutableClock clock = new MutableClock();
    final FakeAwsSecrets aws = newFake();

    static FakeAwsSecrets newFake() {
        try {
            return new FakeAwsSecrets(REGION);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    Map<String, String> env(String keyId, String secret) {
        Map<String, String> m = new HashMap<>();
        m.put("AWS_ACCESS_KEY_ID", keyId);
        m.put("AWS_SECRET_ACCESS_KEY", secret);
        m.put("AWS_EC2_METADATA_DISABLED", "true");
        m.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws.url());
        m.put("AWS_ENDPOINT_URL_SSM", aws.url());
        m.put("AWS_REGION", REGION);
        return m;
    }

    SecretSource open(String type, Map<String, String> env, Map<String, Object> settings) {
        AwsEnv e = new AwsEnv(env, Path.of("/nonexistent-home"), null, null);
        return SourceTypes.open("aws", type, settings, Map.of(), new SourceTypes.Deps(clock, k -> null, e));
    }

    SecretSource sm() {
        return open(SourceTypes.AWS_SECRETS_MANAGER, env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY), Map.of());
    }

    SecretSource ssm() {
        return open(SourceTypes.AWS_SSM, env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY), Map.of());
    }

    static String text(Fetched f) {
        return new String(f.value(), StandardCharsets.UTF_8);
    }

    static SourceFailure.Kind kindOf(SecretSource s, String ref) {
        try {
            s.fetch(ref);
        } catch (SourceFailure f) {
            return f.kind();
        }
        throw new AssertionError("no failure for " + ref);
    }

    @Test
    void secretsManagerReadsWholeStringsJsonKeysStagesVersionIdsArnsAndBinarySecretsSigned() throws Exception {
        aws.putSecret("prod/openai", "AWSCURRENT", "v-2", "{\"api_key\":\"sk-current\",\"port\":5432}");
        aws.putSecret("prod/openai", "AWSPREVIOUS", "v-1", "{\"api_key\":\"sk-previous\"}");
        aws.putSecret("plain", "AWSCURRENT", "p-1", "just-a-string");
        aws.putBinary("blob", "AAEC/w==");
        SecretSource s = sm();
        Fetched f = s.fetch("prod/openai#api_key");
        assertThat(text(f)).isEqualTo("sk-current");
        assertThat(f.version()).isEqualTo("v-2");
        assertThat(text(s.fetch("prod/openai#port"))).isEqualTo("5432");
        assertThat(text(s.fetch("prod/openai#api_key?version-stage=AWSPREVIOUS"))).isEqualTo("sk-previous");
        assertThat(text(s.fetch("prod/openai#api_key?version-id=v-1"))).isEqualTo("sk-previous");
        assertThat(text(s.fetch("arn:aws:secretsmanager:eu-west-3:111122223333:secret:plain-a1b2c3"))).isEqualTo("just-a-string");
        assertThat(s.fetch("blob").value()).containsExactly(0, 1, 2, (byte) 0xff);

        FakeAwsSecrets.Seen first = aws.seen().getFirst();
        assertThat(first.target()).isEqualTo("secretsmanager.GetSecretValue");
        assertThat(first.contentType()).isEqualTo("application/x-amz-json-1.1");
        assertThat(first.service()).as("SigV4 valid, scoped to the service").isEqualTo("secretsmanager");
        assertThat(first.region()).isEqualTo(REGION);
        assertThat(first.input().path("SecretId").asString()).isEqualTo("prod/openai");
        assertThat(first.input().has("VersionStage")).as("AWSCURRENT is the API's default").isFalse();
        assertThat(aws.seen().get(2).input().path("VersionStage").asString()).isEqualTo("AWSPREVIOUS");
        assertThat(aws.seen().get(3).input().path("VersionId").asString()).isEqualTo("v-1");

        assertThatThrownBy(() -> s.fetch("plain#key")).isInstanceOfSatisfying(SourceFailure.class,
                e -> assertThat(e.kind()).isEqualTo(SourceFailure.Kind.BAD_VALUE));
        assertThatThrownBy(() -> s.fetch("prod/openai#nope")).isInstanceOfSatisfying(SourceFailure.class,
                e -> assertThat(e.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND));
    }

    @Test
    void ssmReadsAParameterWithDecryption() throws Exception {
        aws.putParameter("/prod/db/password", "s3cr3t-pw", 7);
        Fetched f = ssm().fetch("/prod/db/password");
        assertThat(text(f)).isEqualTo("s3cr3t-pw");
        assertThat(f.version()).isEqualTo("7");
        FakeAwsSecrets.Seen seen = aws.seen().getLast();
        assertThat(seen.target()).isEqualTo("AmazonSSM.GetParameter");
        assertThat(seen.service()).isEqualTo("ssm");
        assertThat(seen.input().path("Name").asString()).isEqualTo("/prod/db/password");
        assertThat(seen.input().path("WithDecryption").asBoolean()).isTrue();
    }

    @Test
    void missingSecretsAndParametersAreNotFoundWithAwsMessage() throws Exception {
        assertThatThrownBy(() -> sm().fetch("nope")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND);
            assertThat(f.getMessage()).contains("HTTP 400 ResourceNotFoundException").contains("can't find the specified secret");
        });
        aws.putSecret("only-current", "AWSCURRENT", "c", "x");
        assertThat(kindOf(sm(), "only-current?version-stage=AWSPENDING")).isEqualTo(SourceFailure.Kind.NOT_FOUND);
        assertThatThrownBy(() -> ssm().fetch("/nope")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.NOT_FOUND);
            assertThat(f.getMessage()).contains("ParameterNotFound");
        });
    }

    @Test
    void wrongCredentialsAndDeniedPoliciesAreAuthFailuresThatNeverNameTheSecretKey() throws Exception {
        aws.putSecret("s", "AWSCURRENT", "1", "v");
        aws.putParameter("/p", "v", 1);
        SecretSource unknownKey = open(SourceTypes.AWS_SECRETS_MANAGER, env("AKIDUNKNOWN000000000", "whatever-secret"), Map.of());
        assertThatThrownBy(() -> unknownKey.fetch("s")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("UnrecognizedClientException").doesNotContain("whatever-secret");
        });
        SecretSource wrongSecret = open(SourceTypes.AWS_SSM, env(FakeAwsSecrets.KEY_ID, "not-the-secret-key"), Map.of());
        assertThatThrownBy(() -> wrongSecret.fetch("/p")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("InvalidSignatureException").doesNotContain("not-the-secret-key");
        });
        aws.forcedError = "AccessDeniedException";
        assertThatThrownBy(() -> sm().fetch("s")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.AUTH);
            assertThat(f.getMessage()).contains("not authorized to perform: secretsmanager:GetSecretValue");
        });
        Map<String, String> noKeys = env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY);
        noKeys.remove("AWS_ACCESS_KEY_ID");
        noKeys.remove("AWS_SECRET_ACCESS_KEY");
        SecretSource noCredentials = open(SourceTypes.AWS_SSM, noKeys, Map.of());
        assertThat(kindOf(noCredentials, "/p")).isEqualTo(SourceFailure.Kind.AUTH);
    }

    @Test
    void throttlingAndServerErrorsAndAStoreThatIsDown() throws Exception {
        aws.putSecret("s", "AWSCURRENT", "1", "v");
        aws.forcedError = "ThrottlingException";
        assertThatThrownBy(() -> sm().fetch("s")).isInstanceOfSatisfying(SourceFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(SourceFailure.Kind.THROTTLED);
            assertThat(f.getMessage()).contains("Rate exceeded");
        });
        assertThat(kindOf(ssm(), "/p")).isEqualTo(SourceFailure.Kind.THROTTLED);
        aws.forcedError = "InternalServiceError";
        assertThat(kindOf(sm(), "s")).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        assertThat(kindOf(ssm(), "/p")).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        SecretSource down = open(SourceTypes.AWS_SECRETS_MANAGER, env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY),
                Map.of("endpoint", "http://127.0.0.1:" + port));
        assertThat(kindOf(down, "s")).isEqualTo(SourceFailure.Kind.UNAVAILABLE);
    }

    @Test
    void aValueWithControlCharactersIsReturnedAsStoredForTheInjectionRuleToRefuse() throws Exception {
        // The adapter does not clean values: the proxy's header rule (S7) refuses CR/LF/NUL, as for every source.
        aws.putSecret("crlf", "AWSCURRENT", "1", "{\"k\":\"sk-a\\r\\nX-Injected: 1\"}");
        assertThat(text(sm().fetch("crlf#k"))).isEqualTo("sk-a\r\nX-Injected: 1");
    }

    @Test
    void endpointPrecedenceIsSettingThenServiceVariableThenGlobalVariableThenRegional() throws Exception {
        aws.putParameter("/p", "from-fake", 1);
        Map<String, String> globalOnly = env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY);
        globalOnly.remove("AWS_ENDPOINT_URL_SSM");
        globalOnly.put("AWS_ENDPOINT_URL", aws.url());
        assertThat(text(open(SourceTypes.AWS_SSM, globalOnly, Map.of()).fetch("/p"))).isEqualTo("from-fake");
        Map<String, String> wrongService = env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY);
        wrongService.put("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:1");
        assertThat(text(open(SourceTypes.AWS_SSM, wrongService, Map.of("endpoint", aws.url())).fetch("/p")))
                .isEqualTo("from-fake");
        assertThat(AwsJsonApi.endpoint(null, "ssm", "eu-west-3").toString()).isEqualTo("https://ssm.eu-west-3.amazonaws.com/");
        assertThat(AwsJsonApi.endpoint(null, "secretsmanager", "cn-north-1").toString())
                .isEqualTo("https://secretsmanager.cn-north-1.amazonaws.com.cn/");
        Map<String, String> regionSetting = env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY);
        regionSetting.put("AWS_REGION", "us-east-1");
        assertThat(text(open(SourceTypes.AWS_SSM, regionSetting, Map.of("region", REGION)).fetch("/p"))).isEqualTo("from-fake");
        assertThat(aws.seen().getLast().region()).isEqualTo(REGION);
        Map<String, String> noRegion = env(FakeAwsSecrets.KEY_ID, FakeAwsSecrets.SECRET_KEY);
        noRegion.remove("AWS_REGION");
        assertThatThrownBy(() -> open(SourceTypes.AWS_SSM, noRegion, Map.of())).isInstanceOf(KeywayException.class)
                .hasMessageContaining("--region");
        assertThatThrownBy(() -> open(SourceTypes.AWS_SSM, noRegion, Map.of("region", "us-east-1", "endpoint", "ftp://x")))
                .isInstanceOf(KeywayException.class).hasMessageContaining("--endpoint");
    }

    static Stream<Arguments> refs() {
        return Stream.of(
                Arguments.of("prod/openai", "prod/openai", null, null, null),
                Arguments.of("prod/openai#api_key", "prod/openai", "api_key", null, null),
                Arguments.of("prod/openai#api_key?version-stage=AWSPREVIOUS", "prod/openai", "api_key", "AWSPREVIOUS", null),
                Arguments.of("prod/openai?version-id=abc-1", "prod/openai", null, null, "abc-1"),
                Arguments.of("arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf#k", "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf",
                        "k", null, null),
                Arguments.of("has space", null, null, null, null),
                Arguments.of("x#", null, null, null, null),
                Arguments.of("x?version=1", null, null, null, null),
                Arguments.of("x?version-stage=", null, null, null, null),
                Arguments.of("#k", null, null, null, null),
                Arguments.of("bad\u0000name", null, null, null, null));
    }

    @ParameterizedTest
    @MethodSource("refs")
    void secretsManagerReferences(String ref, @Nullable String id, @Nullable String key, @Nullable String stage,
            @Nullable String versionId) throws Exception {
        if (id == null) {
            assertThatThrownBy(() -> AwsSecretsManagerSource.Ref.parse(ref)).isInstanceOfSatisfying(SourceFailure.class,
                    f -> assertThat(f.kind()).isEqualTo(SourceFailure.Kind.BAD_REF));
            return;
        }
        assertThat(AwsSecretsManagerSource.Ref.parse(ref)).isEqualTo(new AwsSecretsManagerSource.Ref(id, key, stage, versionId));
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of(400, "ResourceNotFoundException", SourceFailure.Kind.NOT_FOUND),
                Arguments.of(400, "ParameterNotFound", SourceFailure.Kind.NOT_FOUND),
                Arguments.of(400, "ParameterVersionNotFound", SourceFailure.Kind.NOT_FOUND),
                Arguments.of(400, "AccessDeniedException", SourceFailure.Kind.AUTH),
                Arguments.of(400, "UnrecognizedClientException", SourceFailure.Kind.AUTH),
                Arguments.of(400, "InvalidSignatureException", SourceFailure.Kind.AUTH),
                Arguments.of(400, "ExpiredTokenException", SourceFailure.Kind.AUTH),
                Arguments.of(400, "DecryptionFailure", SourceFailure.Kind.AUTH),
                Arguments.of(400, "ThrottlingException", SourceFailure.Kind.THROTTLED),
                Arguments.of(429, null, SourceFailure.Kind.THROTTLED),
                Arguments.of(400, "ValidationException", SourceFailure.Kind.BAD_REF),
                Arguments.of(500, "InternalServiceError", SourceFailure.Kind.UNAVAILABLE),
                Arguments.of(503, null, SourceFailure.Kind.UNAVAILABLE),
                Arguments.of(403, null, SourceFailure.Kind.AUTH));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void awsErrorCodesMapToKinds(int status, @Nullable String code, SourceFailure.Kind kind) {
        var body = JsonMapper.builder().build().createObjectNode();
        assertThat(AwsJsonApi.failure("op", new AwsJsonApi.Answer(status, body, code, null)).kind()).isEqualTo(kind);
    }

    @Test
    void errorCodesAreReadFromTheHeaderOrTheTypeField() {
        var m = JsonMapper.builder().build();
        assertThat(AwsJsonApi.code("ThrottlingException:http://internal.amazon.com/coral/com.amazon/", m.createObjectNode()))
                .isEqualTo("ThrottlingException");
        assertThat(AwsJsonApi.code(null, m.readTree("{\"__type\":\"com.amazonaws.secretsmanager#ResourceNotFoundException\"}")))
                .isEqualTo("ResourceNotFoundException");
        assertThat(AwsJsonApi.code(null, m.createObjectNode())).isNull();
    }
}
