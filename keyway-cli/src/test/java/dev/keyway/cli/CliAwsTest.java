package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keyway.cli.aws.AwsChildConfig;
import dev.keyway.server.ServerConfig;
import dev.keyway.server.aws.AwsEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code keyway aws ...} end to end: grants through the CLI against a server whose STS is a local
 * fake; the {@code credential-process} helper as a real process (JSON, refresh, auth failure); and
 * the real {@code aws} CLI using the helper through the config {@link AwsChildConfig} writes,
 * talking to a fake STS/S3 that verifies every signature.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliAwsTest {
    static final String ROLE = "arn:aws:iam::123456789012:role/AgentRole";

    @TempDir
    static Path dir;

    FakeAws aws;
    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        aws = new FakeAws(dir);
        // the proxy trusts the fake's CA upstream and may dial loopback (sign-mode tests send AWS traffic through it)
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

    @Test
    void grantListRevokeThroughTheCli() {
        kw.cli("vault", "create", "clivault").ok();
        var g = kw.cli("aws", "grant", "--vault", "clivault", "--role", ROLE, "--region", "eu-west-1", "--session-duration", "30m",
                "--name", "ops").ok();
        assertThat(g.out()).contains("Granted " + ROLE + " to vault 'clivault' as 'ops' (credential-process, eu-west-1, sessions of 30m)")
                .contains("Checked: AssumeRole succeeded as arn:aws:sts::123456789012:assumed-role/AgentRole/keyway.clivault.ops")
                .contains("credential_process = keyway aws credential-process --grant ops");
        var s = kw.cli("aws", "grant", "--vault", "clivault", "--role", ROLE, "--mode", "sign", "--host", "minio.local:9000",
                "--allow-private", "--name", "signer", "--no-verify").ok();
        assertThat(s.out()).contains("(sign, ").contains("Requests to minio.local:9000 through the proxy are signed by Keyway.")
                .doesNotContain("Checked:");
        var list = kw.cli("aws", "grants", "--vault", "clivault").ok();
        assertThat(list.out()).contains("NAME").contains("ops").contains("signer").contains("minio.local:9000").contains("30m");
        var bad = kw.cli("aws", "grant", "--vault", "clivault", "--role", "arn:aws:iam::1234:role/R");
        assertThat(bad.code()).as(bad.describe()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(bad.err()).contains("the account id must be exactly 12 digits");
        var dur = kw.cli("aws", "grant", "--vault", "clivault", "--role", ROLE, "--session-duration", "0");
        assertThat(dur.err()).contains("outside the allowed range 15m to 12h");
        kw.cli("aws", "revoke", "ops", "--vault", "clivault").ok();
        assertThat(kw.cli("aws", "grants", "--vault", "clivault", "--json").ok().json()).hasSize(1);
        assertThat(kw.cli("aws", "revoke", "ops", "--vault", "clivault").code()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    // ---------------------------------------------------------------- the helper as a process

    record Proc(int code, String out, String err) {}

    static List<String> keywayCommand() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName());
    }

    static Proc run(List<String> cmd, Map<String, String> env, Path cwd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("KEYWAY_") || k.toLowerCase().endsWith("_proxy"));
        e.put("HOME", cwd.toString());
        e.putAll(env);
        Path out = Files.createTempFile(cwd, "out", ".txt");
        Path err = Files.createTempFile(cwd, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Proc(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    Proc helper(String grant, String token) throws Exception {
        List<String> cmd = new ArrayList<>(keywayCommand());
        cmd.addAll(List.of("aws", "credential-process", "--grant", grant));
        return run(cmd, Map.of("KEYWAY_ADDR", kw.addr(), "KEYWAY_TOKEN", token), Files.createDirectories(dir.resolve("helper")));
    }

    @Test
    void credentialProcessHelperPrintsTheSdkJsonAndRefreshesAcrossTheFreshnessBoundary() throws Exception {
        kw.cli("vault", "create", "helper").ok();
        kw.cli("aws", "grant", "--vault", "helper", "--role", ROLE, "--session-duration", "15m", "--no-verify").ok();
        String token = token("helper");
        // sessions that STS cuts short: 11m + 3s, so a session falls below the 11 minutes SDKs need within seconds
        aws.sessionLength = Duration.ofMinutes(11).plusSeconds(3);
        try {
            Proc first = helper("aws", token);
            assertThat(first.code()).as(first.err()).isZero();
            assertThat(first.err()).isEmpty();
            JsonNode c1 = CliHarness.JSON.readTree(first.out());
            assertThat(c1.get("Version").asInt()).isEqualTo(1);
            assertThat(c1.get("AccessKeyId").asString()).startsWith("ASIAFAKESESSION");
            assertThat(aws.issued).containsEntry(c1.get("AccessKeyId").asString(), c1.get("SecretAccessKey").asString());
            assertThat(c1.get("SessionToken").asString()).startsWith("token-");
            Instant e1 = Instant.parse(c1.get("Expiration").asString());
            assertThat(e1).isAfter(Instant.now().plus(Duration.ofMinutes(10)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            JsonNode c2 = c1;
            while (c2.get("AccessKeyId").asString().equals(c1.get("AccessKeyId").asString()) && System.nanoTime() < deadline) {
                Proc p = helper("aws", token);
                assertThat(p.code()).as(p.err()).isZero();
                c2 = CliHarness.JSON.readTree(p.out());
                // what SDKs need: never handed a session with less than 10 minutes left
                assertThat(Instant.parse(c2.get("Expiration").asString()))
                        .isAfter(Instant.now().plus(Duration.ofMinutes(10)));
            }
            // the cache refreshes in the background before the SDK minimum, so the fresh session may be
            // issued within the same second as the first one (Expiration has whole seconds)
            assertThat(c2.get("AccessKeyId").asString()).as("a fresh session before the first fell below the SDK minimum")
                    .isNotEqualTo(c1.get("AccessKeyId").asString());
            assertThat(Instant.parse(c2.get("Expiration").asString())).isAfterOrEqualTo(e1);
        } finally {
            aws.sessionLength = null;
        }
    }

    @Test
    void credentialProcessHelperFailsClearlyWithABadToken() throws Exception {
        Proc p = helper("aws", "kw_tok_not_a_real_token");
        assertThat(p.code()).isEqualTo(ExitCodes.PERMISSION);
        assertThat(p.out()).isEmpty();
        assertThat(p.err()).startsWith("keyway: AWS credential_process for grant 'aws' failed: ").contains("token");
        Proc missing = helper("nope", token("default"));
        assertThat(missing.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.err()).contains("no AWS grant named 'nope' in vault 'default'");
    }

    // ---------------------------------------------------------------- child config

    @Test
    void childConfigForCredentialProcessAndSignModesIsPrivateAndHoldsNoRealKey() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run-config"));
        AwsChildConfig.Child cp = AwsChildConfig.write(run, "aws", List.of("/opt/my keyway/bin/keyway"), "eu-west-1",
                "credential-process", "team", null);
        Path config = Path.of(cp.set().get("AWS_CONFIG_FILE"));
        assertThat(Files.readString(config)).isEqualTo("[profile keyway]\nregion = eu-west-1\ncredential_process = "
                + "'/opt/my keyway/bin/keyway' aws credential-process --grant aws --vault team\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config.getParent()))).isEqualTo("rwx------");
        assertThat(Files.readString(Path.of(cp.set().get("AWS_SHARED_CREDENTIALS_FILE")))).isEmpty();
        assertThat(cp.set()).containsEntry("AWS_PROFILE", "keyway").containsEntry("AWS_REGION", "eu-west-1")
                .doesNotContainKey("AWS_ACCESS_KEY_ID").doesNotContainKey("AWS_CA_BUNDLE");
        assertThat(cp.unset()).contains("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI");
        assertThat(cp.files()).allMatch(f -> f.startsWith(run));

        AwsChildConfig.Child sign = AwsChildConfig.write(run, "aws", List.of("keyway"), "us-east-1", "sign", null,
                dir.resolve("bundle.pem"));
        assertThat(sign.set()).containsEntry("AWS_ACCESS_KEY_ID", "AKIAKEYWAYPLACEHOLD1")
                .containsEntry("AWS_CA_BUNDLE", dir.resolve("bundle.pem").toString());
        assertThat(Files.readString(Path.of(sign.set().get("AWS_CONFIG_FILE")))).contains("aws_access_key_id = AKIAKEYWAYPLACEHOLD1")
                .doesNotContain("credential_process");
    }

    // ---------------------------------------------------------------- the real aws CLI

    static String awsCli() {
        for (String p : List.of("/usr/bin/aws", "/usr/local/bin/aws")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "aws";
    }

    static boolean awsAvailable() {
        try {
            Process p = new ProcessBuilder(awsCli(), "--version").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void unmodifiedAwsCliUsesTheGrantThroughCredentialProcess() throws Exception {
        if (System.getenv("CI") != null) {
            assertThat(awsAvailable()).as("the aws CLI is not installed (apt-get install awscli; .ci/run installs it)").isTrue();
        }
        assumeTrue(awsAvailable(), "the aws CLI is not installed (apt-get install awscli; .ci/run installs it)");
        kw.cli("vault", "create", "cpe2e").ok();
        kw.cli("aws", "grant", "--vault", "cpe2e", "--role", ROLE).ok();
        Path run = Files.createDirectories(dir.resolve("run-cp"));
        AwsChildConfig.Child child = AwsChildConfig.write(run, "aws", keywayCommand(), "us-east-1", "credential-process", null, null);
        Files.writeString(Path.of(child.set().get("AWS_CONFIG_FILE")), "s3 =\n    addressing_style = path\n",
                java.nio.file.StandardOpenOption.APPEND);
        Map<String, String> env = new HashMap<>(child.set());
        env.put("KEYWAY_ADDR", kw.addr());
        env.put("KEYWAY_TOKEN", token("cpe2e"));
        env.put("AWS_CA_BUNDLE", aws.caFile().toString()); // direct to the fake: no proxy in this mode
        Proc id = run(List.of(awsCli(), "sts", "get-caller-identity", "--endpoint-url", aws.url(), "--output", "json"), env, run);
        assertThat(id.code()).as(id.err()).isZero();
        assertThat(CliHarness.JSON.readTree(id.out()).get("Account").asString()).isEqualTo(FakeAws.ACCOUNT);
        Proc ls = run(List.of(awsCli(), "s3", "ls", "--endpoint-url", aws.url()), env, run);
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("agent-bucket");
        Path file = run.resolve("hello.txt");
        Files.writeString(file, "hello from the agent\n");
        Proc cp = run(List.of(awsCli(), "s3", "cp", file.toString(), "s3://agent-bucket/hello.txt", "--endpoint-url", aws.url()),
                env, run);
        assertThat(cp.code()).as(cp.err()).isZero();
        assertThat(aws.objects.get("/agent-bucket/hello.txt")).asString(StandardCharsets.UTF_8).isEqualTo("hello from the agent\n");
        assertThat(aws.accepted("sts")).anyMatch(s -> s.operation().equals("GetCallerIdentity") && s.accessKeyId() != null
                && aws.issued.containsKey(s.accessKeyId()));
        assertThat(aws.accepted("s3")).extracting(FakeAws.Seen::operation).contains("ListBuckets", "PutObject");
        assertThat(aws.accepted("s3")).allMatch(s -> aws.issued.containsKey(s.accessKeyId()));
    }

    @Test
    void keywayRunWithGrantAwsGivesAnUnmodifiedAwsCliRoleCredentials() throws Exception {
        if (System.getenv("CI") != null) {
            assertThat(awsAvailable()).as("the aws CLI is not installed (apt-get install awscli; .ci/run installs it)").isTrue();
        }
        assumeTrue(awsAvailable(), "the aws CLI is not installed (apt-get install awscli; .ci/run installs it)");
        kw.cli("vault", "create", "rungrant").ok();
        kw.cli("aws", "grant", "--vault", "rungrant", "--role", ROLE).ok();
        String token = token("rungrant");
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
        env.put("HOME", Files.createDirectories(dir.resolve("run-home")).toString());
        env.put("KEYWAY_ADDR", kw.addr());
        env.put("KEYWAY_TOKEN", token);
        env.put("KEYWAY_VAULT", "rungrant");
        env.put("AWS_ACCESS_KEY_ID", "AKIA-INHERITED-MUST-NOT-SURVIVE");
        rc.environment = env;
        CapturingLauncher child = new CapturingLauncher();
        rc.launcher = child;
        // the fake AWS endpoint is not behind the proxy in credential-process mode: trust its CA directly
        int code = cl.execute("run", "--grant", "aws", "--no-install-skill", "--", "sh", "-c",
                "AWS_CA_BUNDLE=" + aws.caFile() + " " + awsCli() + " sts get-caller-identity --endpoint-url " + aws.url()
                        + " --output json");
        assertThat(code).as(err + "\n" + child.err).isZero();
        assertThat(CliHarness.JSON.readTree(child.out).get("Account").asString()).isEqualTo(FakeAws.ACCOUNT);
        assertThat(child.env).doesNotContainKey("AWS_ACCESS_KEY_ID").containsKey("AWS_CONFIG_FILE").containsEntry("AWS_PROFILE", "keyway");
        assertThat(aws.accepted("sts")).anyMatch(s -> s.operation().equals("GetCallerIdentity") && aws.issued.containsKey(s.accessKeyId()));
        // the run's private AWS config is gone afterwards
        assertThat(Path.of(child.env.get("AWS_CONFIG_FILE"))).doesNotExist();
    }

    // ---------------------------------------------------------------- sign mode

    @Test
    void signModeReSignsTheAwsCliRequestsInTheProxyAndTheChildHoldsNoRealKey() throws Exception {
        if (System.getenv("CI") != null) {
            assertThat(awsAvailable()).as("the aws CLI is not installed (apt-get install awscli; .ci/run installs it)").isTrue();
        }
        assumeTrue(awsAvailable(), "the aws CLI is not installed (apt-get install awscli; .ci/run installs it)");
        kw.cli("vault", "create", "signv").ok();
        kw.cli("aws", "grant", "--vault", "signv", "--role", ROLE, "--mode", "sign", "--host", "localhost:" + aws.port(),
                "--allow-private").ok();
        Path run = Files.createDirectories(dir.resolve("run-sign"));
        Path keywayCa = kw.dataDir().resolve("ca.pem");
        AwsChildConfig.Child child = AwsChildConfig.write(run, "aws", keywayCommand(), "us-east-1", "sign", null, keywayCa);
        Files.writeString(Path.of(child.set().get("AWS_CONFIG_FILE")), "s3 =\n    addressing_style = path\n",
                java.nio.file.StandardOpenOption.APPEND);
        String token = token("signv");
        Map<String, String> env = new HashMap<>(child.set());
        env.put("HTTPS_PROXY", "http://" + token + ":signv@127.0.0.1:" + kw.server().proxyPort());
        int before = aws.seen.size();

        Proc id = run(List.of(awsCli(), "sts", "get-caller-identity", "--endpoint-url", aws.url(), "--output", "json"), env, run);
        assertThat(id.code()).as(id.err()).isZero();
        assertThat(CliHarness.JSON.readTree(id.out()).get("Account").asString()).isEqualTo(FakeAws.ACCOUNT);
        Proc ls = run(List.of(awsCli(), "s3", "ls", "--endpoint-url", aws.url()), env, run);
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("agent-bucket");
        Path file = run.resolve("report.txt");
        Files.writeString(file, "signed in the proxy\n".repeat(1000));
        Proc put = run(List.of(awsCli(), "s3", "cp", file.toString(), "s3://agent-bucket/report.txt", "--endpoint-url", aws.url()),
                env, run);
        assertThat(put.code()).as(put.err()).isZero();
        Proc get = run(List.of(awsCli(), "s3", "cp", "s3://agent-bucket/report.txt", "-", "--endpoint-url", aws.url()), env, run);
        assertThat(get.code()).as(get.err()).isZero();
        assertThat(get.out()).isEqualTo("signed in the proxy\n".repeat(1000));

        List<FakeAws.Seen> mine = aws.seen.subList(before, aws.seen.size());
        assertThat(mine).extracting(FakeAws.Seen::operation).contains("GetCallerIdentity", "ListBuckets", "PutObject", "GetObject")
                .noneMatch(o -> o.startsWith("rejected"));
        assertThat(mine).filteredOn(s -> !s.operation().equals("AssumeRole"))
                .allMatch(s -> aws.issued.containsKey(s.accessKeyId()), "signed with an assumed-role key");

        // the child's environment and files hold only the placeholder, never a real key
        StringBuilder childView = new StringBuilder(child.set().toString());
        for (Path f : child.files()) {
            childView.append(Files.readString(f));
        }
        assertThat(childView.toString()).contains("AKIAKEYWAYPLACEHOLD1").doesNotContain(FakeAws.HOST_SECRET)
                .doesNotContain(FakeAws.HOST_KEY_ID);
        for (Map.Entry<String, String> k : aws.issued.entrySet()) {
            assertThat(childView.toString()).doesNotContain(k.getKey()).doesNotContain(k.getValue());
            assertThat(id.out() + ls.out() + put.out() + put.err()).doesNotContain(k.getValue());
        }

        // the same placeholder-signed request, not re-signed by Keyway, is refused by AWS
        Map<String, String> direct = new HashMap<>(child.set());
        direct.put("AWS_CA_BUNDLE", aws.caFile().toString());
        int mark = aws.seen.size();
        Proc refused = run(List.of(awsCli(), "s3", "ls", "--endpoint-url", aws.url()), direct, run);
        assertThat(refused.code()).isNotZero();
        assertThat(aws.seen.subList(mark, aws.seen.size())).anyMatch(s -> s.operation().startsWith("rejected:")
                && "AKIAKEYWAYPLACEHOLD1".equals(s.accessKeyId()));

        String audit = AuditFiles.await(kw.dataDir(), "\"action\":\"sign\"", "\"operation\":\"PutObject\"", "\"operation\":\"GetCallerIdentity\"", "\"service\":\"s3\"");
        assertThat(audit).contains("\"action\":\"sign\"").contains("\"operation\":\"PutObject\"")
                .contains("\"operation\":\"GetCallerIdentity\"").contains("\"service\":\"s3\"");
        for (Map.Entry<String, String> k : aws.issued.entrySet()) {
            assertThat(audit).doesNotContain(k.getValue());
        }
    }

    @Test
    void signedAwsChunkedUploadHasEveryChunkSignatureReSigned() throws Exception {
        kw.cli("vault", "create", "chunky").ok();
        kw.cli("aws", "grant", "--vault", "chunky", "--role", ROLE, "--mode", "sign", "--host", "localhost:" + aws.port(),
                "--no-verify").ok();
        String token = token("chunky");
        // an SDK-style streaming upload, signed (headers and chunks) with the placeholder key
        dev.keyway.core.aws.AwsCredentials placeholder = new dev.keyway.core.aws.AwsCredentials(
                dev.keyway.core.aws.AwsPlaceholders.ACCESS_KEY_ID, dev.keyway.core.aws.AwsPlaceholders.SECRET_ACCESS_KEY, null, null);
        byte[] data = "0123456789abcdef".repeat(5000).getBytes(StandardCharsets.US_ASCII); // 80000 bytes, 2 chunks
        byte[] framed = frame(data, 65536);
        List<dev.keyway.core.aws.SigV4Signer.Header> h = new ArrayList<>(List.of(
                new dev.keyway.core.aws.SigV4Signer.Header("Host", "localhost:" + aws.port()),
                new dev.keyway.core.aws.SigV4Signer.Header("x-amz-content-sha256", dev.keyway.core.aws.SigV4.STREAMING_PAYLOAD),
                new dev.keyway.core.aws.SigV4Signer.Header("Content-Encoding", "aws-chunked"),
                new dev.keyway.core.aws.SigV4Signer.Header("x-amz-decoded-content-length", Integer.toString(data.length)),
                new dev.keyway.core.aws.SigV4Signer.Header("Content-Length", Integer.toString(framed.length))));
        var signed = dev.keyway.core.aws.SigV4Signer.sign(new dev.keyway.core.aws.SigV4Signer.Request("PUT",
                "/agent-bucket/chunked.bin", h, dev.keyway.core.aws.SigV4.STREAMING_PAYLOAD), placeholder, "us-east-1", "s3",
                Instant.now(), dev.keyway.core.aws.SigV4Signer.ALL_HEADERS);
        byte[] key = dev.keyway.core.aws.SigV4.signingKey(placeholder.secretAccessKey(), signed.amzDate().substring(0, 8),
                "us-east-1", "s3");
        byte[] body = new dev.keyway.core.aws.AwsChunkedResigner(key, signed.amzDate(), signed.scope(), signed.signature(), false,
                1 << 20).update(framed);
        StringBuilder req = new StringBuilder("PUT /agent-bucket/chunked.bin HTTP/1.1\r\n");
        for (var x : signed.headers()) {
            req.append(x.name()).append(": ").append(x.value()).append("\r\n");
        }
        String status = ThroughProxy.send(kw.server().proxyPort(), token + ":chunky", "localhost", aws.port(),
                kw.dataDir().resolve("ca.pem"), req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII), body);
        assertThat(status).startsWith("HTTP/1.1 200");
        assertThat(aws.objects.get("/agent-bucket/chunked.bin")).isEqualTo(data);
        // the upload itself (a background STS refresh from another grant may have been recorded after it)
        FakeAws.Seen put = aws.seen.stream().filter(x -> x.method().equals("PUT") && x.path().equals("/agent-bucket/chunked.bin"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(put.contentSha256()).isEqualTo(dev.keyway.core.aws.SigV4.STREAMING_PAYLOAD);
        assertThat(aws.issued).containsKey(put.accessKeyId());
    }

    static byte[] frame(byte[] data, int chunk) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        String zero = "0".repeat(64);
        for (int i = 0; i < data.length; i += chunk) {
            int n = Math.min(chunk, data.length - i);
            out.writeBytes((Integer.toHexString(n) + ";chunk-signature=" + zero + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("0;chunk-signature=" + zero + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
