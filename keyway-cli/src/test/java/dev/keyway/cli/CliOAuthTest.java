package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyway credential oauth} and {@code credential list/show} against a real in-process server:
 * the secrets are read from files, sent once, and never printed back. (Minting against an
 * authorization server is covered by keyway-server's OAuthCredentialEndToEndTest.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliOAuthTest {
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
    void oauthCredentialIsCreatedFromFilesAndListedWithoutItsSecrets() throws Exception {
        String refresh = CliCredentialTest.canary();
        String clientSecret = CliCredentialTest.canary();
        Path rt = files.resolve("refresh-token");
        Path cs = files.resolve("client-secret");
        Files.writeString(rt, refresh + "\n");
        Files.writeString(cs, clientSecret + "\n");
        CliHarness.Result created = kw.cli("credential", "oauth", "GH_TOKEN", "--grant", "refresh_token", "--token-url",
                "http://127.0.0.1:9/token", "--client-id", "Iv1.abc", "--client-secret-file", cs.toString(),
                "--refresh-token-file", rt.toString(), "--scope", "repo", "--scope", "read:org").ok();
        assertThat(created.out()).contains("Created OAuth credential GH_TOKEN in vault default");
        CliCredentialTest.assertNoSecret(created, refresh);

        CliHarness.Result list = kw.cli("credential", "list").ok();
        assertThat(list.out()).contains("GH_TOKEN").contains("oauth").contains("ok");
        CliCredentialTest.assertNoSecret(list, refresh);
        CliCredentialTest.assertNoSecret(list, clientSecret);

        CliHarness.Result show = kw.cli("credential", "show", "GH_TOKEN").ok();
        assertThat(show.out()).contains("\"kind\" : \"oauth\"").contains("\"grant\" : \"refresh_token\"")
                .contains("\"state\" : \"ok\"").contains("\"client_secret\", \"refresh_token\"").contains("read:org");
        CliCredentialTest.assertNoSecret(show, refresh);
        CliCredentialTest.assertNoSecret(show, clientSecret);

        CliHarness.Result again = kw.cli("credential", "oauth", "GH_TOKEN", "--grant", "refresh_token", "--token-url",
                "http://127.0.0.1:9/token", "--client-id", "Iv1.abc", "--refresh-token-file", rt.toString()).ok();
        assertThat(again.out()).contains("Re-authorized OAuth credential GH_TOKEN");
    }

    @Test
    void googleServiceAccountAndPrivateKeyJwtKeysAreReadFromFilesAndNeverShown() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        String b64 = java.util.Base64.getEncoder().encodeToString(g.generateKeyPair().getPrivate().getEncoded());
        String pem = "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
        Path key = files.resolve("sa.json");
        Files.writeString(key, "{\"type\":\"service_account\",\"client_email\":\"sa@p.iam.gserviceaccount.com\","
                + "\"private_key\":\"" + pem.replace("\n", "\\n") + "\",\"token_uri\":\"http://127.0.0.1:9/token\"}");
        CliHarness.Result sa = kw.cli("credential", "oauth", "GCP_TOKEN", "--grant", "google-service-account", "--key-file", key.toString(),
                "--scope", "https://www.googleapis.com/auth/cloud-platform", "--subject", "admin@example.com").ok();
        assertThat(sa.out()).contains("Created OAuth credential GCP_TOKEN");
        CliHarness.Result show = kw.cli("credential", "show", "GCP_TOKEN").ok();
        assertThat(show.out()).contains("\"grant\" : \"google-service-account\"").contains("\"subject\" : \"admin@example.com\"")
                .contains("sa@p.iam.gserviceaccount.com").contains("[ \"key\" ]").doesNotContain(b64.substring(100, 140));
        CliHarness.Result noScope = kw.cli("credential", "oauth", "GCP_X", "--grant", "google-service-account", "--key-file", key.toString());
        assertThat(noScope.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noScope.err()).contains("--key-file and --scope");

        Path clientKey = files.resolve("client-key.pem");
        Files.writeString(clientKey, pem);
        CliHarness.Result jwt = kw.cli("credential", "oauth", "JWT_CC", "--grant", "client_credentials", "--token-url",
                "http://127.0.0.1:9/token", "--client-id", "svc", "--auth-method", "private_key_jwt", "--client-key-file",
                clientKey.toString()).ok();
        assertThat(jwt.out() + jwt.err()).doesNotContain(b64.substring(100, 140));
        assertThat(kw.cli("credential", "show", "JWT_CC").ok().out()).contains("\"auth_method\" : \"private_key_jwt\"")
                .contains("\"client_key_alg\" : \"RS256\"").contains("[ \"client_key\" ]").doesNotContain(b64.substring(100, 140));
        CliHarness.Result wrongAlg = kw.cli("credential", "oauth", "JWT_BAD", "--grant", "client_credentials", "--token-url",
                "http://127.0.0.1:9/token", "--client-id", "svc", "--auth-method", "private_key_jwt", "--client-key-file",
                clientKey.toString(), "--client-key-alg", "ES256");
        assertThat(wrongAlg.code()).as(wrongAlg.describe()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(wrongAlg.err()).contains("client key (ES256)").doesNotContain(b64.substring(100, 140));
    }

    @Test
    void badSettingsAreValidationErrorsAndMissingFilesUsageErrors() {
        CliHarness.Result emptySecret = kw.cli("credential", "oauth", "X", "--grant", "client_credentials", "--token-url",
                "https://auth.example.com/token", "--client-id", "c", "--client-secret-file", "/dev/null");
        assertThat(emptySecret.code()).as(emptySecret.describe()).isEqualTo(ExitCodes.USAGE);
        assertThat(emptySecret.err()).contains("is empty");
        Path secret = files.resolve("cc-secret");
        try {
            Files.writeString(secret, "cc-secret-value");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CliHarness.Result plainHttp = kw.cli("credential", "oauth", "X", "--grant", "client_credentials", "--token-url",
                "http://auth.example.com/token", "--client-id", "c", "--client-secret-file", secret.toString());
        assertThat(plainHttp.code()).as(plainHttp.describe()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(plainHttp.err()).contains("https://").doesNotContain("cc-secret-value");
        CliHarness.Result noRefresh = kw.cli("credential", "oauth", "X", "--grant", "refresh_token", "--token-url",
                "https://auth.example.com/token", "--client-id", "c");
        assertThat(noRefresh.code()).as(noRefresh.describe()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(noRefresh.err()).contains("--refresh-token-file");
        CliHarness.Result missing = kw.cli("credential", "oauth", "X", "--grant", "refresh_token", "--token-url",
                "https://auth.example.com/token", "--client-id", "c", "--refresh-token-file", files.resolve("none").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        CliHarness.Result grant = kw.cli("credential", "oauth", "X", "--grant", "password", "--token-url",
                "https://auth.example.com/token", "--client-id", "c");
        assertThat(grant.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(grant.err()).contains("refresh_token, client_credentials, github-app or google-service-account");
        CliHarness.Result app = kw.cli("credential", "oauth", "X", "--grant", "github-app", "--app-id", "1");
        assertThat(app.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(app.err()).contains("--installation-id");
    }
}
