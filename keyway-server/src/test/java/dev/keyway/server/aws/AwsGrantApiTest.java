package dev.keyway.server.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.server.ServerConfig;
import dev.keyway.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AWS grant API on a real server whose AWS calls go to a local fake STS: grant-time
 * AssumeRole with actionable failures, listing and revoking, the credential_process endpoint
 * (JSON, authorization, sign-mode refusal, audit without secrets).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsGrantApiTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String ROLE = "arn:aws:iam::123456789012:role/AgentRole";

    @TempDir
    static Path dir;

    FakeSts sts;
    TestServer ts;

    @BeforeAll
    void start() throws Exception {
        sts = new FakeSts(dir, Clock.systemUTC());
        ts = TestServer.start(ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0), new AwsEnv(sts.env(), dir, null, null));
    }

    @AfterAll
    void stop() {
        ts.close();
        sts.close();
    }

    HttpResponse<String> call(String method, String path, String body) throws Exception {
        return ts.call(method, path, body);
    }

    static JsonNode json(HttpResponse<String> r) {
        return JSON.readTree(r.body());
    }

    String scopedToken(String vault, String services) throws Exception {
        String body = "{\"vault\":\"" + vault + "\",\"ttl\":\"1h\"" + (services == null ? "" : ",\"services\":" + services) + "}";
        HttpResponse<String> r = call("POST", "/v1/tokens", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r).get("token").asString();
    }

    @Test
    void grantIsCheckedWithOneAssumeRoleThenListedAndServedToCredentialProcess() throws Exception {
        int before = sts.assumeCalls.get();
        HttpResponse<String> r = call("POST", "/v1/vaults/default/aws/grants", """
                {"name":"aws","role_arn":"%s","region":"eu-west-1","session_duration":"2h","external_id":"ext-123"}""".formatted(ROLE));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode g = json(r);
        assertThat(g.get("role_arn").asString()).isEqualTo(ROLE);
        assertThat(g.get("region").asString()).isEqualTo("eu-west-1");
        assertThat(g.get("session_duration").asString()).isEqualTo("2h");
        assertThat(g.get("mode").asString()).isEqualTo("credential-process");
        assertThat(g.at("/verified/account").asString()).isEqualTo("123456789012");
        assertThat(g.at("/verified/assumed_role_arn").asString()).contains(":assumed-role/AgentRole/keyway.default.aws");
        assertThat(r.body()).doesNotContain("ASIAFAKE").doesNotContain("assumed/secret");
        assertThat(sts.assumeCalls.get()).isEqualTo(before + 1);
        assertThat(sts.calls.getLast()).containsEntry("ExternalId", "ext-123").containsEntry("DurationSeconds", "7200");

        JsonNode list = json(call("GET", "/v1/vaults/default/aws/grants", null));
        assertThat(list.get("grants").toString()).contains("\"name\":\"aws\"").contains(ROLE);

        String token = scopedToken("default", null);
        HttpResponse<String> c = ts.call("GET", "/v1/aws/credentials?grant=aws", null, token);
        assertThat(c.statusCode()).as(c.body()).isEqualTo(200);
        assertThat(c.headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode cp = json(c);
        assertThat(cp.get("Version").asInt()).isEqualTo(1);
        assertThat(cp.get("AccessKeyId").asString()).startsWith("ASIAFAKESESSION");
        assertThat(sts.issued).containsEntry(cp.get("AccessKeyId").asString(), cp.get("SecretAccessKey").asString());
        assertThat(cp.get("SessionToken").asString()).startsWith("token-");
        assertThat(Instant.parse(cp.get("Expiration").asString())).isAfter(Instant.now().plusSeconds(3600));
        // cached: a second helper run gets the same session without another STS call
        int calls = sts.assumeCalls.get();
        assertThat(json(ts.call("GET", "/v1/aws/credentials?grant=aws", null, token)).get("AccessKeyId").asString())
                .isEqualTo(cp.get("AccessKeyId").asString());
        assertThat(sts.assumeCalls.get()).isEqualTo(calls);

        String audit = Files.readString(dir.resolve("data/audit.jsonl"));
        assertThat(audit).contains("\"action\":\"sts.assume_role\"").contains("\"action\":\"credentials.issue\"")
                .contains("\"account\":\"123456789012\"").contains("\"action\":\"aws.grant\"")
                .doesNotContain(cp.get("SecretAccessKey").asString()).doesNotContain(cp.get("SessionToken").asString())
                .doesNotContain(FakeSts.HOST_SECRET);

        assertThat(call("DELETE", "/v1/vaults/default/aws/grants/aws", null).statusCode()).isEqualTo(204);
        assertThat(ts.call("GET", "/v1/aws/credentials?grant=aws", null, token).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            AccessDenied          | 422 | the role's trust policy lets the principal Keyway calls STS as
            ExpiredToken          | 422 | STS rejected the server's AWS credentials
            ValidationError       | 422 | must not exceed the role's maximum session duration
            InternalFailure       | 502 | Check network access to
            """)
    void failedGrantTimeCheckSaysWhatToCheckAndStoresNothing(String code, int status, String advice) throws Exception {
        sts.failures.add(code);
        HttpResponse<String> r = call("POST", "/v1/vaults/default/aws/grants",
                "{\"name\":\"bad\",\"role_arn\":\"" + ROLE + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode p = json(r);
        assertThat(p.get("detail").asString()).startsWith("the role cannot be assumed").contains(advice)
                .doesNotContain(FakeSts.HOST_SECRET).doesNotContain(FakeSts.HOST_KEY_ID);
        if (status == 422) {
            assertThat(p.get("aws_error").asString()).isEqualTo(code);
        }
        assertThat(call("GET", "/v1/vaults/default/aws/grants/bad", null).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"role_arn":"arn:aws:iam::12345:role/R"}                                          | exactly 12 digits
            {"role_arn":"arn:aws:iam::123456789012:role/R","session_duration":"13h"}          | outside the allowed range 15m to 12h
            {"role_arn":"arn:aws:iam::123456789012:role/R","region":"mars-1"}                 | not an AWS region name
            {"role_arn":"arn:aws:iam::123456789012:role/R","mode":"steal"}                    | mode must be credential-process or sign
            {"role_arn":"arn:aws:iam::123456789012:role/R","hosts":["minio.local"]}           | apply to sign mode only
            {"role_arn":"arn:aws:iam::123456789012:role/R","mode":"sign","hosts":["*.com"]}   | covers a whole top-level domain
            {"role_arn":"arn:aws:iam::123456789012:role/R","session_policy":"nope"}           | not valid JSON
            {"role_arn":"arn:aws:iam::123456789012:role/R","host_credential":"AWS_HOST"}      | has no credential AWS_HOST_ACCESS_KEY_ID
            {"name":"Bad Name","role_arn":"arn:aws:iam::123456789012:role/R"}                 | grant name
            """)
    void invalidGrantsAreRejectedBeforeCallingSts(String body, String message) throws Exception {
        int before = sts.assumeCalls.get();
        HttpResponse<String> r = call("POST", "/v1/vaults/default/aws/grants", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        assertThat(json(r).get("detail").asString()).contains(message);
        assertThat(sts.assumeCalls.get()).isEqualTo(before);
    }

    @Test
    void hostCredentialsCanComeFromTheVault() throws Exception {
        call("POST", "/v1/vaults", "{\"name\":\"teamv\"}");
        Map<String, String> creds = new HashMap<>(Map.of("AWS_HOST_ACCESS_KEY_ID", "AKIAVAULTKEY00000001",
                "AWS_HOST_SECRET_ACCESS_KEY", "vault/stored/secret/key/0000000000000000"));
        sts.hostKeys.put("AKIAVAULTKEY00000001", "vault/stored/secret/key/0000000000000000");
        for (var e : creds.entrySet()) {
            assertThat(call("PUT", "/v1/vaults/teamv/credentials/" + e.getKey(), "{\"value\":\"" + e.getValue() + "\"}")
                    .statusCode()).isBetween(200, 201);
        }
        HttpResponse<String> r = call("POST", "/v1/vaults/teamv/aws/grants",
                "{\"name\":\"vaultkey\",\"role_arn\":\"" + ROLE + "\",\"host_credential\":\"AWS_HOST\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(json(r).get("host_credential").asString()).isEqualTo("AWS_HOST");
        assertThat(Files.readString(dir.resolve("data/audit.jsonl"))).contains("vault credentials AWS_HOST_*")
                .doesNotContain("vault/stored/secret");
    }

    @Test
    void hostCredentialsCanBeLinkedCredentials() throws Exception {
        call("POST", "/v1/vaults", "{\"name\":\"teaml\"}");
        sts.hostKeys.put("AKIALINKEDKEY0000001", "linked/secret/key/00000000000000000000000");
        assertThat(call("POST", "/v1/sources", "{\"name\":\"files\",\"type\":\"file\"}").statusCode()).isEqualTo(201);
        for (var e : Map.of("AWS_LINKED_ACCESS_KEY_ID", "AKIALINKEDKEY0000001",
                "AWS_LINKED_SECRET_ACCESS_KEY", "linked/secret/key/00000000000000000000000").entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.writeString(f, e.getValue() + "\n");
            Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            HttpResponse<String> link = call("PUT", "/v1/vaults/teaml/credentials/" + e.getKey() + "/link",
                    "{\"source\":\"files\",\"ref\":\"" + f + "\"}");
            assertThat(link.statusCode()).as(link.body()).isEqualTo(201);
        }
        HttpResponse<String> r = call("POST", "/v1/vaults/teaml/aws/grants",
                "{\"name\":\"linkedkey\",\"role_arn\":\"" + ROLE + "\",\"host_credential\":\"AWS_LINKED\"}");
        assertThat(r.statusCode()).as("AssumeRole signed with the fetched keys: " + r.body()).isEqualTo(201);
        assertThat(Files.readString(dir.resolve("data/audit.jsonl"))).contains("vault credentials AWS_LINKED_*")
                .doesNotContain("linked/secret/key");
    }

    @Test
    void credentialEndpointEnforcesRolesRestrictionsAndSignMode() throws Exception {
        assertThat(call("POST", "/v1/vaults", "{\"name\":\"auth\"}").statusCode()).isEqualTo(201);
        assertThat(call("POST", "/v1/vaults/auth/aws/grants", "{\"name\":\"cp\",\"role_arn\":\"" + ROLE + "\"}").statusCode())
                .isEqualTo(201);
        assertThat(call("POST", "/v1/vaults/auth/aws/grants", "{\"name\":\"signer\",\"role_arn\":\"" + ROLE
                + "\",\"mode\":\"sign\",\"hosts\":[\"minio.local:9000\"]}").statusCode()).isEqualTo(201);
        String restricted = scopedToken("auth", "[\"github\"]");
        HttpResponse<String> denied = ts.call("GET", "/v1/aws/credentials?grant=cp", null, restricted);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(json(denied).get("detail").asString()).contains("is not granted to");
        String allowed = scopedToken("auth", "[\"cp\"]");
        assertThat(ts.call("GET", "/v1/aws/credentials?grant=cp", null, allowed).statusCode()).isEqualTo(200);
        HttpResponse<String> sign = ts.call("GET", "/v1/aws/credentials?grant=signer", null, scopedToken("auth", null));
        assertThat(sign.statusCode()).isEqualTo(403);
        assertThat(json(sign).get("detail").asString()).contains("sign mode: its credentials never leave Keyway");
        assertThat(ts.call("GET", "/v1/aws/credentials?grant=cp", null, null).statusCode()).isEqualTo(401);
        assertThat(ts.call("GET", "/v1/aws/credentials?grant=cp", null, "kw_tok_invalid").statusCode()).isEqualTo(401);
        String other = scopedToken("default", null);
        assertThat(ts.call("GET", "/v1/aws/credentials?grant=cp&vault=auth", null, other).statusCode()).isEqualTo(403);
        // a proxy-role token may fetch credentials but not manage grants
        assertThat(ts.call("POST", "/v1/vaults/auth/aws/grants", "{\"role_arn\":\"" + ROLE + "\"}", allowed).statusCode())
                .isEqualTo(403);
        JsonNode signer = json(call("GET", "/v1/vaults/auth/aws/grants/signer", null));
        assertThat(signer.get("hosts").toString()).isEqualTo("[\"minio.local:9000\"]");
    }

    @Test
    void stsFailureAtRunTimeIsAGenericErrorForTheClient() throws Exception {
        assertThat(call("POST", "/v1/vaults", "{\"name\":\"flaky\"}").statusCode()).isEqualTo(201);
        assertThat(call("POST", "/v1/vaults/flaky/aws/grants", "{\"name\":\"f\",\"role_arn\":\"" + ROLE
                + "\",\"verify\":false}").statusCode()).isEqualTo(201);
        sts.failures.add("AccessDenied");
        String token = scopedToken("flaky", null);
        HttpResponse<String> r = ts.call("GET", "/v1/aws/credentials?grant=f", null, token);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(json(r).get("detail").asString()).contains("unavailable right now").doesNotContain("not authorized")
                .doesNotContain("111122223333");
        assertThat(ts.call("GET", "/v1/aws/credentials?grant=f", null, token).statusCode()).as("not cached").isEqualTo(200);
    }
}
