package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway source ...} and {@code keyway credential link} against a real in-process server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliSourceTest {
    @TempDir
    static Path dir;

    @TempDir
    static Path files;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    @Test
    void fileSourceLinkTestRevealListAndGuardedRemove() throws Exception {
        String value = CliCredentialTest.canary();
        Path secret = files.resolve("api-key");
        Files.writeString(secret, value + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

        kw.cli("source", "add", "local", "--type", "file").ok();
        CliHarness.Result test = kw.cli("source", "test", "local", "--ref", secret.toString()).ok();
        assertThat(test.out()).matches("ok \\(" + value.length() + " bytes, version \\d+\\)\\R");
        CliCredentialTest.assertNoSecret(test, value);

        kw.cli("credential", "link", "API_KEY", "--source", "local", "--ref", secret.toString(), "--ttl", "1m").ok();
        CliHarness.Result list = kw.cli("credential", "list").ok();
        assertThat(list.out()).contains("API_KEY").contains("linked").contains("local").contains(secret.toString());
        CliCredentialTest.assertNoSecret(list, value);

        assertThat(kw.cli("credential", "reveal", "API_KEY").ok().out().strip()).isEqualTo(value);

        CliHarness.Result refused = kw.cli("source", "remove", "local");
        assertThat(refused.code()).as(refused.describe()).isNotZero();
        assertThat(refused.err()).contains("default/API_KEY");

        CliHarness.Result missing = kw.cli("source", "test", "local", "--ref", files.resolve("none").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(missing.err()).contains("not found");

        kw.cli("credential", "delete", "API_KEY").ok();
        kw.cli("source", "remove", "local").ok();
    }

    @Test
    void vaultSourceTokenIsWriteOnly() {
        String token = "hvs." + CliCredentialTest.canary();
        kw.cliWithStdin(token + "\n", "source", "add", "vault", "--type", "hashicorp-vault", "--vault-addr",
                "http://127.0.0.1:9", "--token-stdin").ok();
        CliHarness.Result show = kw.cli("source", "show", "vault").ok();
        assertThat(show.out()).contains("\"secrets\"").contains("\"token\"").contains("http://127.0.0.1:9");
        CliCredentialTest.assertNoSecret(show, token);
        CliHarness.Result list = kw.cli("source", "list", "--json").ok();
        CliCredentialTest.assertNoSecret(list, token);
        CliHarness.Result down = kw.cli("source", "test", "vault", "--ref", "secret/app#key");
        assertThat(down.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(down.err()).contains("unavailable");
        CliCredentialTest.assertNoSecret(down, token);
        CliHarness.Result doctor = kw.cli("doctor");
        assertThat(doctor.code()).as(doctor.describe()).isEqualTo(ExitCodes.FAILURE);
        assertThat(doctor.out()).contains("source vault failing since").contains("unavailable")
                .contains("keyway source test vault --ref REF");
        CliCredentialTest.assertNoSecret(doctor, token);
        CliHarness.Result badRef = kw.cli("credential", "link", "X", "--source", "vault", "--ref", "no-field");
        assertThat(badRef.code()).as(badRef.describe()).isNotZero();
        assertThat(badRef.err()).contains("MOUNT/PATH#FIELD");
        kw.cli("source", "remove", "vault").ok();
    }

    @Test
    void onePasswordConnectTokenIsWriteOnlyAndReferencesAreChecked() {
        String token = "ops_" + CliCredentialTest.canary();
        kw.cliWithStdin(token + "\n", "source", "add", "op", "--type", "1password-connect", "--connect-url",
                "http://127.0.0.1:9", "--token-stdin").ok();
        CliHarness.Result show = kw.cli("source", "show", "op").ok();
        assertThat(show.out()).contains("\"token\"").contains("http://127.0.0.1:9").contains("1password-connect");
        CliCredentialTest.assertNoSecret(show, token);
        CliHarness.Result down = kw.cli("source", "test", "op", "--ref", "op://Production/OpenAI/credential");
        assertThat(down.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(down.err()).contains("unavailable");
        CliCredentialTest.assertNoSecret(down, token);
        CliHarness.Result badRef = kw.cli("credential", "link", "X", "--source", "op", "--ref", "Production/OpenAI");
        assertThat(badRef.code()).as(badRef.describe()).isNotZero();
        assertThat(badRef.err()).contains("op://VAULT/ITEM/FIELD");
        kw.cli("source", "remove", "op").ok();
    }

    @Test
    void awsSourcesTakeRegionAndEndpoint() {
        kw.cli("source", "add", "sm", "--type", "aws-secrets-manager", "--region", "eu-west-3", "--endpoint",
                "http://127.0.0.1:9").ok();
        assertThat(kw.cli("source", "show", "sm").ok().out()).contains("eu-west-3").contains("http://127.0.0.1:9");
        CliHarness.Result badRegion = kw.cli("source", "add", "ssm", "--type", "aws-ssm", "--region", "not a region");
        assertThat(badRegion.code()).as(badRegion.describe()).isNotZero();
        assertThat(badRegion.err()).contains("--region");
        CliHarness.Result badRef = kw.cli("credential", "link", "Y", "--source", "sm", "--ref", "has space");
        assertThat(badRef.code()).as(badRef.describe()).isNotZero();
        assertThat(badRef.err()).contains("NAME_OR_ARN");
        kw.cli("source", "remove", "sm").ok();
    }

    @Test
    void bitwardenAccessTokenIsReadFromItsFileSealedAndWriteOnly() throws Exception {
        String secret = "cs" + CliCredentialTest.canary();
        String token = "0.ec2c1d46-6a4b-4751-a310-af9601317f2d." + secret + ":X8vbvA0bduihIDe/qrzIQQ==";
        Path f = files.resolve("bws-token");
        Files.writeString(f, token + "\n");
        kw.cli("source", "add", "bws", "--type", "bitwarden", "--access-token-file", f.toString(), "--identity-url",
                "http://127.0.0.1:9/identity", "--api-url", "http://127.0.0.1:9/api").ok();
        CliHarness.Result show = kw.cli("source", "show", "bws").ok();
        assertThat(show.out()).contains("\"access_token\"").contains("http://127.0.0.1:9/identity").contains("bitwarden");
        CliCredentialTest.assertNoSecret(show, secret);
        CliHarness.Result down = kw.cli("source", "test", "bws", "--ref", "be8e0ad8-d545-4017-a55a-b02f014d4158");
        assertThat(down.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(down.err()).contains("unavailable").contains("cannot connect to 127.0.0.1");
        CliCredentialTest.assertNoSecret(down, secret);
        CliHarness.Result badRef = kw.cli("credential", "link", "BW", "--source", "bws", "--ref", "OPENAI_API_KEY");
        assertThat(badRef.code()).as(badRef.describe()).isNotZero();
        assertThat(badRef.err()).contains("UUID");
        Path bad = files.resolve("not-a-token");
        Files.writeString(bad, "0.not-a-uuid." + secret + ":AAAA");
        CliHarness.Result refused = kw.cli("source", "add", "bws2", "--type", "bitwarden", "--access-token-file", bad.toString());
        assertThat(refused.code()).as(refused.describe()).isNotZero();
        assertThat(refused.err()).contains("access token");
        CliCredentialTest.assertNoSecret(refused, secret);
        kw.cli("source", "remove", "bws").ok();
    }

    @Test
    void azureClientSecretIsReadFromItsFileSealedAndWriteOnly() throws Exception {
        String secret = "Qk8Q~" + CliCredentialTest.canary();
        Path f = files.resolve("azure-secret");
        Files.writeString(f, secret + "\n");
        kw.cli("source", "add", "kv", "--type", "azure-key-vault", "--tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                "--client-id", "00001111-aaaa-2222-bbbb-3333cccc4444", "--client-secret-file", f.toString(),
                "--authority-host", "http://127.0.0.1:9").ok();
        CliHarness.Result show = kw.cli("source", "show", "kv").ok();
        assertThat(show.out()).contains("\"client_secret\"").contains("72f988bf-86f1-41af-91ab-2d7cd011db47");
        CliCredentialTest.assertNoSecret(show, secret);
        CliHarness.Result down = kw.cli("source", "test", "kv", "--ref", "my-vault/openai-key");
        assertThat(down.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(down.err()).contains("unavailable");
        CliCredentialTest.assertNoSecret(down, secret);
        CliHarness.Result badRef = kw.cli("credential", "link", "KV", "--source", "kv", "--ref", "my_vault/openai_key");
        assertThat(badRef.code()).as(badRef.describe()).isNotZero();
        assertThat(badRef.err()).contains("VAULTNAME/SECRET[/VERSION]");
        CliHarness.Result neither = kw.cli("source", "add", "kv2", "--type", "azure-key-vault", "--tenant-id",
                "72f988bf-86f1-41af-91ab-2d7cd011db47", "--client-id", "00001111-aaaa-2222-bbbb-3333cccc4444");
        assertThat(neither.code()).as(neither.describe()).isNotZero();
        assertThat(neither.err()).contains("--federated-token-file");
        kw.cli("source", "remove", "kv").ok();
    }
}
