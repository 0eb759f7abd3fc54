package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.core.testing.MutableClock;
import dev.keyway.server.aws.AwsEnv;
import dev.keyway.server.aws.FakeSts;
import dev.keyway.server.source.FakeAwsSecrets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code aws-secrets-manager}/{@code aws-ssm} sources with {@code --grant}: a real server whose clock
 * the test moves, the grant's role assumed at the {@link FakeSts} (AWS STS Query API, SigV4-verified)
 * with the host credentials, and {@link FakeAwsSecrets} (AWS JSON 1.1, SigV4-verified) accepting only
 * the sessions STS issued, never the host key: a success proves the request was signed with the
 * assumed role's temporary credentials. They are refreshed before they expire.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsGrantSourceTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String ROLE = "arn:aws:iam::123456789012:role/SecretsReader";
    static final String REGION = "eu-west-3";

    @TempDir
    static Path dir;

    final MutableClock clock = new MutableClock(java.time.Instant.now()); // the JDK checks the fake STS's certificate against real time
    FakeSts sts;
    FakeAwsSecrets aws;
    TestServer ts;

    @BeforeAll
    void start() throws Exception {
        sts = new FakeSts(dir, clock);
        aws = new FakeAwsSecrets(REGION);
        aws.moreKeys = sts.issued;
        ts = TestServer.start(ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0), new AwsEnv(sts.env(), dir, null, null), clock);
        ok(ts.call("POST", "/v1/vaults/default/aws/grants", """
                {"name":"reader","role_arn":"%s","region":"%s"}""".formatted(ROLE, REGION)));
    }

    @AfterAll
    void stop() {
        ts.close();
        aws.close();
        sts.close();
    }

    static String ok(java.net.http.HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body();
    }

    JsonNode test(String source, String ref) throws Exception {
        return JSON.readTree(ok(ts.call("POST", "/v1/sources/" + source + "/test", "{\"ref\":\"" + ref + "\"}")));
    }

    @Test
    void signsWithTheGrantsAssumedRoleAndRefreshesItBeforeItExpires() throws Exception {
        aws.putSecret("prod/openai", "AWSCURRENT", "v-1", "{\"api_key\":\"sk-aws-grant\"}");
        aws.putParameter("/prod/db/password", "pw-grant", 3);
        ok(ts.call("POST", "/v1/sources", """
                {"name":"sm","type":"aws-secrets-manager","settings":{"region":"%s","endpoint":"%s","grant":"reader"},"secrets":{}}"""
                .formatted(REGION, aws.url())));
        ok(ts.call("POST", "/v1/sources", """
                {"name":"ps","type":"aws-ssm","settings":{"region":"%s","endpoint":"%s","grant":"default/reader"},"secrets":{}}"""
                .formatted(REGION, aws.url())));

        JsonNode first = test("sm", "prod/openai#api_key");
        assertThat(first.path("ok").asBoolean()).as(first.toString()).isTrue();
        assertThat(first.path("bytes").asInt()).isEqualTo("sk-aws-grant".length());
        String session = aws.signedWith.getLast();
        assertThat(session).startsWith("ASIAFAKESESSION").isNotEqualTo(FakeSts.HOST_KEY_ID);
        assertThat(sts.issued).containsKey(session);
        assertThat(test("ps", "/prod/db/password").path("ok").asBoolean()).isTrue();
        assertThat(aws.signedWith.getLast()).as("the same cached session").isEqualTo(session);
        assertThat(aws.signedWith).doesNotContain(FakeSts.HOST_KEY_ID);

        // 30 s before the one-hour session ends: a new one is assumed before any request is signed with the old
        int assumed = sts.assumeCalls.get();
        clock.advance(Duration.ofMinutes(59).plusSeconds(30));
        assertThat(test("sm", "prod/openai#api_key").path("ok").asBoolean()).isTrue();
        assertThat(sts.assumeCalls.get()).isGreaterThan(assumed);
        assertThat(aws.signedWith.getLast()).startsWith("ASIAFAKESESSION").isNotEqualTo(session);
    }

    @Test
    void anUnknownGrantIsAnAuthFailureNamingIt() throws Exception {
        ok(ts.call("POST", "/v1/sources", """
                {"name":"nogrant","type":"aws-secrets-manager","settings":{"region":"%s","endpoint":"%s","grant":"default/nope"},
                "secrets":{}}""".formatted(REGION, aws.url())));
        JsonNode r = test("nogrant", "prod/openai");
        assertThat(r.path("ok").asBoolean()).isFalse();
        assertThat(r.path("error").asString()).isEqualTo("auth");
        assertThat(r.path("detail").asString()).contains("no AWS grant 'nope' in vault 'default'");
        assertThat(ts.call("POST", "/v1/sources", """
                {"name":"bad","type":"aws-ssm","settings":{"region":"%s","grant":"a/b/c"},"secrets":{}}""".formatted(REGION))
                .statusCode()).isEqualTo(422);
    }
}
