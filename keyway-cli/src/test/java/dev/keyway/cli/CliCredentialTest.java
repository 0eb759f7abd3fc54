package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway credential ...}: values go in (file or stdin) and never come out. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliCredentialTest {
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

    static String canary() {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        return "canary-" + HexFormat.of().formatHex(b);
    }

    static void assertNoSecret(CliHarness.Result r, String secret) {
        assertThat(r.out()).as("stdout").doesNotContain(secret);
        assertThat(r.err()).as("stderr").doesNotContain(secret);
    }

    @Test
    void decoyIsPlantedListedAsKindDecoyAndRemoved() throws Exception {
        var planted = kw.cli("credential", "decoy", "OPENAI_ADMIN_KEY", "--like", "openai", "--revoke-on-use").ok();
        assertThat(planted.out()).contains("Planted decoy OPENAI_ADMIN_KEY in vault default (shaped like openai)")
                .contains("revoked");
        JsonNode row = find(kw.cli("credential", "list", "--json").ok().json(), "OPENAI_ADMIN_KEY");
        assertThat(row.get("kind").asString()).isEqualTo("decoy");
        assertThat(row.get("like").asString()).isEqualTo("openai");
        assertThat(row.get("revoke_on_use").asBoolean()).isTrue();
        assertThat(row.has("value")).as("list never shows values, not even a decoy's").isFalse();
        assertThat(kw.cli("credential", "list").ok().out()).containsPattern("(?m)^OPENAI_ADMIN_KEY\\s+decoy\\s");
        kw.cli("credential", "decoy", "OPENAI_ADMIN_KEY").expect(ExitCodes.CONFLICT);
        kw.cli("credential", "decoy", "OTHER_KEY", "--like", "no-such-template").expect(ExitCodes.CONFLICT); // 422 validation
        assertThat(kw.cli("credential", "remove", "OPENAI_ADMIN_KEY").ok().out()).contains("Deleted decoy OPENAI_ADMIN_KEY");
        assertThat(kw.cli("credential", "list", "--json").ok().json().findValuesAsString("name")).doesNotContain("OPENAI_ADMIN_KEY");
        kw.cli("credential", "remove", "OPENAI_ADMIN_KEY").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void setFromFileListReSetDelete() throws Exception {
        String v1 = canary();
        Path f = files.resolve("v1");
        Files.writeString(f, v1 + "\n");
        var set = kw.cli("credential", "set", "FILE_KEY", "--from-file", f.toString(), "--description", "from a file").ok();
        assertThat(set.out()).contains("Created credential FILE_KEY in vault default (version 1)");
        assertNoSecret(set, v1);

        var table = kw.cli("credential", "list").ok();
        assertThat(table.out()).containsPattern("(?m)^NAME\\s+KIND\\s+SOURCE\\s+REF\\s+STATE\\s+VERSION\\s").containsPattern("(?m)^FILE_KEY\\s+stored\\s+-\\s+-\\s+-\\s+1\\s")
                .contains("from a file");
        assertNoSecret(table, v1);

        String v2 = canary();
        Files.writeString(f, v2);
        var reset = kw.cli("credential", "set", "FILE_KEY", "--from-file", f.toString()).ok();
        assertThat(reset.out()).contains("Updated credential FILE_KEY").contains("(version 2)");
        assertNoSecret(reset, v2);

        var json = kw.cli("credential", "list", "--json").ok();
        JsonNode cred = find(json.json(), "FILE_KEY");
        assertThat(cred.get("version").asInt()).isEqualTo(2);
        assertThat(cred.get("description").asString()).isEqualTo("from a file");
        assertThat(cred.has("value")).isFalse();
        assertNoSecret(json, v1);
        assertNoSecret(json, v2);

        assertThat(kw.cli("credential", "delete", "FILE_KEY").ok().out()).contains("Deleted credential FILE_KEY");
        assertThat(kw.cli("credential", "list", "--json").ok().json().findValuesAsString("name")).doesNotContain("FILE_KEY");
        kw.cli("credential", "delete", "FILE_KEY").expect(ExitCodes.NOT_FOUND);

        String auditLog = Files.readString(dir.resolve("audit.jsonl"));
        assertThat(auditLog).contains("credential.set").doesNotContain(v1).doesNotContain(v2);
    }

    @Test
    void setFromStdinStripsOneTrailingNewline() {
        String v = canary();
        var set = kw.cliWithStdin(v + "\n", "credential", "set", "STDIN_KEY").ok();
        assertThat(set.out()).contains("Created credential STDIN_KEY");
        assertNoSecret(set, v);
        var reset = kw.cliWithStdin(v + "-2\r\n", "credential", "set", "STDIN_KEY").ok();
        assertThat(reset.out()).contains("version 2");
        assertNoSecret(reset, v);
        var list = kw.cli("credential", "list").ok();
        assertThat(list.out()).containsPattern("(?m)^STDIN_KEY\\s+stored\\s+-\\s+-\\s+-\\s+2\\s");
        assertNoSecret(list, v);
    }

    @Test
    void credentialsLiveInTheNamedVault() throws Exception {
        kw.cli("vault", "create", "other").ok();
        Path f = files.resolve("other");
        Files.writeString(f, canary());
        kw.cli("credential", "set", "OTHER_KEY", "--vault", "other", "--from-file", f.toString()).ok();
        assertThat(kw.cli("credential", "list", "--vault", "other", "--json").ok().json().findValuesAsString("name"))
                .containsExactly("OTHER_KEY");
        assertThat(kw.cli("credential", "list", "--json").ok().json().findValuesAsString("name")).doesNotContain("OTHER_KEY");
        kw.cli("credential", "delete", "OTHER_KEY").expect(ExitCodes.NOT_FOUND);
        kw.cli("credential", "delete", "OTHER_KEY", "--vault", "other").ok();
    }

    @Test
    void lowerCaseNameIsAValidationError() {
        String v = canary();
        var r = kw.cliWithStdin(v, "credential", "set", "lower_case").expect(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("invalid credential name 'lower_case'");
        assertNoSecret(r, v);
    }

    @Test
    void emptyValueOrMissingFileIsAUsageError() {
        assertThat(kw.cliWithStdin("\n", "credential", "set", "EMPTY_KEY").expect(ExitCodes.USAGE).err()).contains("empty");
        assertThat(kw.cli("credential", "set", "NOFILE_KEY", "--from-file", files.resolve("missing").toString())
                .expect(ExitCodes.USAGE).err()).contains("cannot read");
        kw.cliWithStdin("x", "credential", "set", "X_KEY", "--vault", "no-such-vault").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void nonUtf8ValueIsRefusedNotMangled() throws Exception {
        Path f = files.resolve("binary");
        Files.write(f, new byte[] {'k', 'e', 'y', (byte) 0xff, (byte) 0xfe, 0x01});
        var r = kw.cli("credential", "set", "BINARY_KEY", "--from-file", f.toString()).expect(ExitCodes.USAGE);
        assertThat(r.err()).contains("not valid UTF-8");
        assertThat(kw.cli("credential", "list", "--json").ok().json().findValuesAsString("name")).doesNotContain("BINARY_KEY");
        Files.writeString(f, "caf\u00e9-\u00fcnicode-" + canary());
        kw.cli("credential", "set", "UNICODE_KEY", "--from-file", f.toString()).ok();
    }

    private static JsonNode find(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (n.get("name").asString().equals(name)) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + array);
    }
}
