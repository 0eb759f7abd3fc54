package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.cli.aws.AwsChildConfig;
import dev.keyway.server.ServerConfig;
import dev.keyway.server.aws.AwsEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Per-run down-scoping ({@code keyway run --grant aws --aws-session-policy/--aws-session-tag}): the
 * run's credentials come from an AssumeRole call carrying the run's inline {@code Policy} and
 * {@code Tags}, cached apart from the grant's shared session; a run policy never replaces a grant's
 * own policy. In sign mode the scope is bound to the run's token and the proxy signs with the scoped
 * session.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliAwsRunScopeTest {
    static final String ROLE = CliAwsTest.ROLE;
    static final String POLICY = """
            {
              "Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::agent-bucket/*"}]
            }
            """;
    static final String COMPACT = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
            + "\"Resource\":\"arn:aws:s3:::agent-bucket/*\"}]}";

    @TempDir
    static Path dir;

    FakeAws aws;
    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        aws = new FakeAws(dir);
        kw = CliHarness.start(ServerConfig.defaults(dir.resolve("data")).withPorts(0, 0)
                .withUpstream(aws.caFile(), null, true, List.of()), new AwsEnv(aws.keywayEnv(), dir, null, null));
    }

    @AfterAll
    void stop() {
        kw.close();
        aws.close();
    }

    String token(String vault) {
        return kw.cli("token", "create", "--vault", vault, "--ttl", "1h", "--json").ok().json().get("token").asString();
    }

    CliAwsTest.Proc helper(String token, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(CliAwsTest.keywayCommand());
        cmd.addAll(List.of("aws", "credential-process", "--grant", "aws"));
        cmd.addAll(List.of(extra));
        return CliAwsTest.run(cmd, Map.of("KEYWAY_ADDR", kw.addr(), "KEYWAY_TOKEN", token),
                Files.createDirectories(dir.resolve("helper")));
    }

    @Test
    void helperWithASessionPolicyGetsCredentialsFromAnAssumeRoleCarryingThatPolicyAndTags() throws Exception {
        kw.cli("vault", "create", "scoped").ok();
        kw.cli("aws", "grant", "--vault", "scoped", "--role", ROLE).ok();
        String token = token("scoped");
        Path policy = Files.writeString(dir.resolve("policy.json"), POLICY);

        CliAwsTest.Proc narrow = helper(token, "--session-policy-file", policy.toString(), "--session-tag", "team=blue");
        assertThat(narrow.code()).as(narrow.err()).isZero();
        JsonNode c = CliHarness.JSON.readTree(narrow.out());
        Map<String, String> call = aws.assumedWith.get(c.get("AccessKeyId").asString());
        assertThat(call).as("the helper's key was issued by an AssumeRole call").isNotNull()
                .containsEntry("Policy", COMPACT).containsEntry("Tags.member.1.Key", "team").containsEntry("Tags.member.1.Value", "blue");
        assertThat(aws.issued).containsEntry(c.get("AccessKeyId").asString(), c.get("SecretAccessKey").asString());

        // the same scope is served from its cache entry; the grant's shared session is separate and unscoped
        CliAwsTest.Proc again = helper(token, "--session-policy-file", policy.toString(), "--session-tag", "team=blue");
        assertThat(CliHarness.JSON.readTree(again.out()).get("AccessKeyId").asString()).isEqualTo(c.get("AccessKeyId").asString());
        CliAwsTest.Proc plain = helper(token);
        assertThat(plain.code()).as(plain.err()).isZero();
        String plainKey = CliHarness.JSON.readTree(plain.out()).get("AccessKeyId").asString();
        assertThat(plainKey).isNotEqualTo(c.get("AccessKeyId").asString());
        assertThat(aws.assumedWith.get(plainKey)).doesNotContainKey("Policy").doesNotContainKey("Tags.member.1.Key");

        String hash = dev.keyway.core.aws.SigV4.sha256Hex(COMPACT.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String audit = AuditFiles.await(kw.dataDir(), "\"run_policy_sha256\":\"" + hash + "\"");
        assertThat(audit).contains("\"run_policy_sha256\":\"" + hash + "\"").doesNotContain(c.get("SecretAccessKey").asString());
    }

    @Test
    void aRunPolicyNeverReplacesTheGrantsOwnPolicyAndBadPoliciesAreRefused() throws Exception {
        kw.cli("vault", "create", "owned").ok();
        Path own = Files.writeString(dir.resolve("own.json"), POLICY);
        kw.cli("aws", "grant", "--vault", "owned", "--role", ROLE, "--session-policy", own.toString(), "--no-verify").ok();
        String token = token("owned");
        Path wide = Files.writeString(dir.resolve("wide.json"), "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":\"*\",\"Resource\":\"*\"}]}");
        int calls = aws.assumeCalls.get();
        CliAwsTest.Proc refused = helper(token, "--session-policy-file", wide.toString());
        assertThat(refused.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).contains("has its own session policy").contains("could widen access");
        assertThat(aws.assumeCalls.get()).as("no STS call for a refused scope").isEqualTo(calls);

        // tags alone keep the grant's own policy
        CliAwsTest.Proc tagged = helper(token, "--session-tag", "run=42");
        assertThat(tagged.code()).as(tagged.err()).isZero();
        Map<String, String> call = aws.assumedWith.get(CliHarness.JSON.readTree(tagged.out()).get("AccessKeyId").asString());
        assertThat(call).containsEntry("Policy", COMPACT).containsEntry("Tags.member.1.Key", "run");

        kw.cli("vault", "create", "badpol").ok();
        kw.cli("aws", "grant", "--vault", "badpol", "--role", ROLE, "--no-verify").ok();
        Path notJson = Files.writeString(dir.resolve("bad.json"), "Allow everything");
        CliAwsTest.Proc bad = helper(token("badpol"), "--session-policy-file", notJson.toString());
        assertThat(bad.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(bad.err()).contains("session policy");
        Path big = Files.writeString(dir.resolve("big.json"), "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":\"s3:GetObject\",\"Resource\":[" + "\"arn:aws:s3:::b/k\",".repeat(200) + "\"x\"]}]}");
        CliAwsTest.Proc tooBig = helper(token("badpol"), "--session-policy-file", big.toString());
        assertThat(tooBig.err()).contains("STS allows 2048");
        CliAwsTest.Proc badTag = helper(token("badpol"), "--session-tag", "bad*key=1");
        assertThat(badTag.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(badTag.err()).contains("session tag");
    }

    @Test
    void keywayRunWritesThePolicyForTheHelperAndTheChildsCredentialProcessUsesIt() throws Exception {
        kw.cli("vault", "create", "runscope").ok();
        kw.cli("aws", "grant", "--vault", "runscope", "--role", ROLE, "--no-verify").ok();
        Path policy = Files.writeString(dir.resolve("run-policy.json"), POLICY);
        Execution ex = runCommand("runscope", "--grant", "aws", "--aws-session-policy", policy.toString(), "--aws-session-tag",
                "task=t-7", "--no-install-skill", "--", "sh", "-c",
                "cat \"$AWS_CONFIG_FILE\" >&2; eval \"$(sed -n 's/^credential_process = //p' \"$AWS_CONFIG_FILE\")\"");
        assertThat(ex.code()).as(ex.err() + "\n" + ex.child().err).isZero();
        assertThat(ex.child().err).contains("--session-policy-file").contains("--session-tag task=t-7");
        JsonNode c = CliHarness.JSON.readTree(ex.child().out);
        assertThat(aws.assumedWith.get(c.get("AccessKeyId").asString())).containsEntry("Policy", COMPACT)
                .containsEntry("Tags.member.1.Key", "task").containsEntry("Tags.member.1.Value", "t-7");
        // the policy copy lived in the run's private directory, removed with it
        Path config = Path.of(ex.child().env.get("AWS_CONFIG_FILE"));
        assertThat(config.resolveSibling("session-policy.json")).doesNotExist();
    }

    @Test
    void signModeRunSignsItsRequestsWithASessionCarryingTheRunsPolicyAndTags() throws Exception {
        kw.cli("vault", "create", "signscope").ok();
        kw.cli("aws", "grant", "--vault", "signscope", "--role", ROLE, "--mode", "sign", "--host", "localhost:" + aws.port(),
                "--no-verify").ok();
        Path policy = Files.writeString(dir.resolve("p2.json"), POLICY);
        String runToken = token("signscope");
        Execution run = runCommandWith("signscope", runToken, "--grant", "aws", "--aws-session-policy", policy.toString(),
                "--aws-session-tag", "task=s-1", "--no-install-skill", "--", "true");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.child().env).containsEntry("AWS_ACCESS_KEY_ID", dev.keyway.core.aws.AwsPlaceholders.ACCESS_KEY_ID);

        String scopedKey = listTablesThroughProxy(runToken, "signscope");
        assertThat(aws.assumedWith.get(scopedKey)).as("the proxy signed with the run's scoped session").isNotNull()
                .containsEntry("Policy", COMPACT).containsEntry("Tags.member.1.Key", "task")
                .containsEntry("Tags.member.1.Value", "s-1");

        // another token of the same vault, without a scope, still gets the grant's unscoped session
        String plainKey = listTablesThroughProxy(token("signscope"), "signscope");
        assertThat(plainKey).isNotEqualTo(scopedKey);
        assertThat(aws.assumedWith.get(plainKey)).doesNotContainKey("Policy").doesNotContainKey("Tags.member.1.Key");

        String hash = dev.keyway.core.aws.SigV4.sha256Hex(COMPACT.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(AuditFiles.await(kw.dataDir(), "\"aws.run_scope\"", "\"run_policy_sha256\":\"" + hash + "\"")).contains("\"aws.run_scope\"")
                .contains("\"run_policy_sha256\":\"" + hash + "\"").doesNotContain("agent-bucket");

        // the scope is set once: the run's program cannot replace (widen) it with its own token
        Path wide = Files.writeString(dir.resolve("wide2.json"), "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                + "\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
        Execution again = runCommandWith("signscope", runToken, "--grant", "aws", "--aws-session-policy", wide.toString(),
                "--no-install-skill", "--", "true");
        assertThat(again.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(again.err()).contains("already has an AWS run scope");
        assertThat(again.child().command).isNull();
        assertThat(aws.assumedWith.get(listTablesThroughProxy(runToken, "signscope"))).containsEntry("Policy", COMPACT);

        // a long-lived agent token is refused: the scope would narrow every request of the agent
        String agentToken = kw.cli("agent", "create", "bot", "--vault", "signscope", "--json").ok().json().get("token").asString();
        Execution agent = runCommandWith("signscope", agentToken, "--grant", "aws", "--aws-session-tag", "a=b",
                "--no-install-skill", "--", "true");
        assertThat(agent.code()).isEqualTo(ExitCodes.PERMISSION);
        assertThat(agent.err()).contains("run's own token").contains("agent token");
        assertThat(agent.child().command).isNull();
    }

    /** A DynamoDB ListTables signed with the placeholder key, sent through the proxy; returns the key the fake saw. */
    String listTablesThroughProxy(String token, String vault) throws Exception {
        byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<dev.keyway.core.aws.SigV4Signer.Header> h = new ArrayList<>(List.of(
                new dev.keyway.core.aws.SigV4Signer.Header("Host", "localhost:" + aws.port()),
                new dev.keyway.core.aws.SigV4Signer.Header("Content-Length", Integer.toString(body.length)),
                new dev.keyway.core.aws.SigV4Signer.Header("Content-Type", "application/x-amz-json-1.0"),
                new dev.keyway.core.aws.SigV4Signer.Header("X-Amz-Target", "DynamoDB_20120810.ListTables")));
        var signed = dev.keyway.core.aws.SigV4Signer.sign(new dev.keyway.core.aws.SigV4Signer.Request("POST", "/", h,
                dev.keyway.core.aws.SigV4.sha256Hex(body)), CliAwsSignApisTest.PLACEHOLDER, "us-east-1", "dynamodb",
                java.time.Instant.now(), dev.keyway.core.aws.SigV4Signer.ALL_HEADERS);
        StringBuilder req = new StringBuilder("POST / HTTP/1.1\r\n");
        signed.headers().forEach(x -> req.append(x.name()).append(": ").append(x.value()).append("\r\n"));
        int mark = aws.seen.size();
        String status = ThroughProxy.send(kw.server().proxyPort(), token + ":" + vault, "localhost", aws.port(),
                kw.dataDir().resolve("ca.pem"), req.append("\r\n").toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                body);
        assertThat(status).startsWith("HTTP/1.1 200");
        return aws.seen.subList(mark, aws.seen.size()).stream().filter(x -> x.service().equals("dynamodb")).findFirst()
                .orElseThrow().accessKeyId();
    }

    @Test
    void keywayRunRefusesARunPolicyForGrantsWithTheirOwnPolicy() throws Exception {
        Path policy = Files.writeString(dir.resolve("p3.json"), POLICY);
        kw.cli("vault", "create", "ownscope").ok();
        kw.cli("aws", "grant", "--vault", "ownscope", "--role", ROLE, "--session-policy", policy.toString(), "--no-verify").ok();
        Execution own = runCommand("ownscope", "--grant", "aws", "--aws-session-policy", policy.toString(), "--no-install-skill",
                "--", "true");
        assertThat(own.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(own.err()).contains("the per-run AWS session for grant 'aws' was refused").contains("has its own session policy");
        assertThat(own.child().command).isNull();

        Execution noGrant = runCommand("ownscope", "--aws-session-tag", "a=b", "--no-install-skill", "--", "true");
        assertThat(noGrant.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noGrant.err()).contains("need --grant aws");
    }

    record Execution(int code, String err, CapturingLauncher child) {}

    Execution runCommand(String vault, String... args) throws Exception {
        return runCommandWith(vault, token(vault), args);
    }

    Execution runCommandWith(String vault, String token, String... args) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!dev.keyway.cli.run.ChildEnv.isStale(k) && !k.startsWith("AWS_")) {
                env.put(k, v);
            }
        });
        env.put("HOME", Files.createDirectories(dir.resolve("home-" + vault)).toString());
        env.put("KEYWAY_ADDR", kw.addr());
        env.put("KEYWAY_TOKEN", token);
        env.put("KEYWAY_VAULT", vault);
        rc.environment = env;
        CapturingLauncher child = new CapturingLauncher();
        rc.launcher = child;
        List<String> argv = new ArrayList<>(List.of("run"));
        argv.addAll(List.of(args));
        int code = cl.execute(argv.toArray(String[]::new));
        return new Execution(code, err.toString(), child);
    }

    @Test
    void childConfigNamesThePrivatePolicyCopyAndTagsInTheHelperCommand() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run-config"));
        AwsChildConfig.Child cp = AwsChildConfig.write(run, "aws", List.of("keyway"), "eu-west-1", "credential-process", null, null,
                POLICY, Map.of("b", "2", "a", "x y"));
        Path copy = run.resolve("aws/session-policy.json");
        assertThat(Files.readString(copy)).isEqualTo(POLICY);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-------");
        assertThat(cp.files()).contains(copy);
        assertThat(Files.readString(Path.of(cp.set().get("AWS_CONFIG_FILE")))).contains("credential_process = keyway aws "
                + "credential-process --grant aws --session-policy-file " + copy + " --session-tag 'a=x y' --session-tag b=2\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AwsChildConfig.write(run, "aws", List.of("keyway"), "eu-west-1",
                "sign", null, null, POLICY, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
