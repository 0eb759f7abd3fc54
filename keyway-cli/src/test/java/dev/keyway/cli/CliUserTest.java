package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway user add|list|disable|enable}: an owner manages the people who may sign in. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliUserTest {
    static final String PW = "a long enough password\n";

    @TempDir
    static Path dir;

    CliHarness kw;

    @BeforeAll
    void start() throws Exception {
        kw = CliHarness.start(dir);
        assertThat(dir.resolve("setup-code")).exists();
        kw.cliWithStdin(PW, "setup", "--email", "owner@example.com", "--password-stdin").ok();
    }

    @Test
    void setupFromTheCliRemovesTheSetupCodeFile() {
        assertThat(dir.resolve("setup-code")).doesNotExist();
    }

    @AfterAll
    void stop() {
        kw.close();
    }

    @Test
    void disableAndEnableAUser() {
        assertThat(kw.cliWithStdin(PW, "user", "add", "dana@example.com", "--password-stdin").ok().out())
                .contains("Added user dana@example.com (member)");
        assertThat(kw.cli("user", "disable", "dana@example.com").ok().out())
                .isEqualTo("dana@example.com is disabled; their sessions and tokens are revoked\n");
        JsonNode dana = null;
        for (JsonNode u : kw.cli("user", "list", "--json").ok().json()) {
            if (u.get("email").asString().equals("dana@example.com")) {
                dana = u;
            }
        }
        assertThat(dana).isNotNull();
        assertThat(dana.get("disabled").asBoolean()).isTrue();
        assertThat(kw.cli("audit", "tail", "--action", "user.disable", "--json").ok().out())
                .contains("dana@example.com").contains("\"tokens_revoked\":0").doesNotContain("user.create");
        JsonNode enabled = kw.cli("user", "enable", "dana@example.com", "--json").ok().json();
        assertThat(enabled.get("disabled").asBoolean()).isFalse();
        assertThat(enabled.get("email").asString()).isEqualTo("dana@example.com");
    }

    @Test
    void loginWithAWrongPasswordShowsTheServersAnswer() {
        var r = kw.cliWithStdin("not the right password\n", "login", "--email", "owner@example.com", "--password-stdin")
                .expect(ExitCodes.PERMISSION);
        assertThat(r.err()).as(r.describe()).contains("wrong e-mail or password").doesNotContain("does not exist")
                .doesNotContain("not the right password");
        assertThat(dir.resolve("session.json")).doesNotExist();
    }

    @Test
    void errorsHaveTheirExitCodes() {
        assertThat(kw.cli("user", "disable", "nobody@example.com").expect(ExitCodes.NOT_FOUND).err()).contains("nobody@example.com");
        assertThat(kw.cli("user", "disable", "owner@example.com").expect(ExitCodes.CONFLICT).err()).contains("only enabled owner");
        assertThat(kw.cli("user", "disable").expect(ExitCodes.USAGE).err()).contains("EMAIL");
    }
}
