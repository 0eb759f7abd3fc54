package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway master-key rotate}: credentials survive, and so does a restart on the rotated data dir. */
class CliMasterKeyTest {
    @TempDir
    Path dir;

    @Test
    void rotateKeyFileThenRestart() throws Exception {
        try (CliHarness kw = CliHarness.start(dir)) {
            kw.cliWithStdin("canary-mk-0a1b2c3d4e", "credential", "set", "BEFORE_ROTATION").ok();
            kw.cli("vault", "create", "second").ok();
            kw.cliWithStdin("canary-mk-5f6a7b8c9d", "credential", "set", "IN_SECOND", "--vault", "second").ok();
            byte[] oldKey = Files.readAllBytes(dir.resolve("master.key"));
            String caBefore = kw.cli("ca", "export").ok().out();

            var r = kw.cli("master-key", "rotate").ok();
            assertThat(r.out()).contains("Master key rotated").contains("mode: keyfile").contains("2 vault key(s)");
            assertThat(Files.readAllBytes(dir.resolve("master.key"))).isNotEqualTo(oldKey);
            assertThat(dir.resolve("master.key.next")).doesNotExist();

            assertThat(kw.cli("credential", "list").ok().out()).contains("BEFORE_ROTATION");
            assertThat(kw.cli("credential", "list", "--vault", "second").ok().out()).contains("IN_SECOND");
            // the vault keys must still unwrap: writing a credential seals under the vault key
            kw.cliWithStdin("canary-mk-after", "credential", "set", "AFTER_ROTATION").ok();
            assertThat(kw.cli("audit", "tail", "-n", "5").ok().out()).contains("master-key.rotate");

            kw.restart();
            assertThat(kw.cli("credential", "list", "--json").ok().json().findValuesAsString("name"))
                    .contains("BEFORE_ROTATION", "AFTER_ROTATION");
            kw.cliWithStdin("canary-mk-restarted", "credential", "set", "BEFORE_ROTATION").ok();
            assertThat(kw.cli("credential", "list", "--vault", "second").ok().out()).contains("IN_SECOND");
            assertThat(kw.cli("ca", "export").ok().out()).as("same CA after restart").isEqualTo(caBefore);
        }
        assertThat(Files.readString(dir.resolve("audit.jsonl"))).doesNotContain("canary-mk-");
    }

    @Test
    void rotateToAPasswordAndBackToAKeyFile(@TempDir Path files) throws Exception {
        String password = "correct horse battery staple";
        try (CliHarness kw = CliHarness.start(dir)) {
            kw.cliWithStdin("canary-mk-pw-1", "credential", "set", "PW_KEY").ok();
            var r = kw.cliWithStdin(password + "\n", "master-key", "rotate", "--new-password-stdin").ok();
            assertThat(r.out()).contains("mode: password").contains("Remember the new password").doesNotContain(password);
            assertThat(dir.resolve("master.key")).as("a password replaces the key file").doesNotExist();

            assertThatThrownBy(() -> kw.restart(null)).hasMessageContaining("KEYWAY_MASTER_PASSWORD");
            assertThatThrownBy(() -> kw.restart("wrong password!!".toCharArray())).hasMessageContaining("wrong master password");
            kw.restart(password.toCharArray());
            assertThat(kw.cli("credential", "list").ok().out()).contains("PW_KEY");
            kw.cliWithStdin("canary-mk-pw-2", "credential", "set", "PW_KEY").ok();

            Path pwFile = files.resolve("new-password");
            Files.writeString(pwFile, "another long password\n");
            kw.cli("master-key", "rotate", "--new-password-file", pwFile.toString()).ok();
            kw.restart("another long password".toCharArray());

            assertThat(kw.cli("master-key", "rotate").ok().out()).contains("mode: keyfile");
            assertThat(dir.resolve("master.key")).exists();
            kw.restart(null);
            assertThat(kw.cli("credential", "list", "--json").ok().json().get(0).get("version").asInt()).isEqualTo(2);
        }
        String audit = Files.readString(dir.resolve("audit.jsonl"));
        assertThat(audit).doesNotContain(password).doesNotContain("another long password").doesNotContain("canary-mk-pw");
    }

    @Test
    void rotateToAPasswordRejectsShortPasswords() throws Exception {
        try (CliHarness kw = CliHarness.start(dir)) {
            var r = kw.cliWithStdin("too-short", "master-key", "rotate", "--new-password-stdin").expect(ExitCodes.CONFLICT);
            assertThat(r.err()).contains("at least 12");
            assertThat(dir.resolve("master.key")).exists();
            kw.cli("master-key", "rotate", "--new-password-stdin", "--new-password-file", "x").expect(ExitCodes.USAGE);
        }
    }
}
