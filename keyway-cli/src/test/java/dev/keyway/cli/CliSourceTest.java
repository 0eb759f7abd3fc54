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
}
