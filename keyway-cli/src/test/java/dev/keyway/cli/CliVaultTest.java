package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code keyway vault ...} against a real in-process server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliVaultTest {
    @TempDir
    static Path dir;

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
    void createListShowSetPolicyDelete() {
        var created = kw.cli("vault", "create", "team-a", "--unmatched", "deny").ok();
        assertThat(created.out()).contains("Created vault team-a").contains("deny");

        var table = kw.cli("vault", "list").ok();
        String[] lines = table.out().split("\n");
        assertThat(lines[0]).startsWith("NAME").contains("UNMATCHED", "CREATED_AT", "CREATED_BY");
        assertThat(table.out()).containsPattern("(?m)^default\\s+tunnel\\s").containsPattern("(?m)^team-a\\s+deny\\s");

        JsonNode list = kw.cli("vault", "list", "--json").ok().json();
        assertThat(list.isArray()).isTrue();
        assertThat(list.findValuesAsString("name")).contains("default", "team-a");

        JsonNode show = kw.cli("vault", "show", "team-a").ok().json();
        assertThat(show.get("name").asString()).isEqualTo("team-a");
        assertThat(show.get("unmatched").asString()).isEqualTo("deny");

        assertThat(kw.cli("vault", "set-policy", "team-a", "--unmatched", "intercept").ok().out())
                .contains("team-a").contains("intercept");
        assertThat(kw.cli("vault", "show", "team-a").ok().json().get("unmatched").asString()).isEqualTo("intercept");

        assertThat(kw.cli("vault", "delete", "team-a").ok().out()).contains("Deleted vault team-a");
        assertThat(kw.cli("vault", "list", "--json").ok().json().findValuesAsString("name")).doesNotContain("team-a");
    }

    @Test
    void createJsonPrintsTheVault() {
        JsonNode v = kw.cli("vault", "create", "json-out", "--json").ok().json();
        assertThat(v.get("name").asString()).isEqualTo("json-out");
        assertThat(v.get("unmatched").asString()).isEqualTo("tunnel");
    }

    @Test
    void duplicateVaultIsAConflict() {
        kw.cli("vault", "create", "dup").ok();
        var again = kw.cli("vault", "create", "dup").expect(ExitCodes.CONFLICT);
        assertThat(again.err()).startsWith("keyway: ").contains("dup");
        assertThat(again.out()).isEmpty();
    }

    @Test
    void invalidNameOrPolicyIsAValidationError() {
        assertThat(kw.cli("vault", "create", "Bad_Name").expect(ExitCodes.CONFLICT).err()).contains("invalid vault name");
        assertThat(kw.cli("vault", "set-policy", "default", "--unmatched", "open").expect(ExitCodes.CONFLICT).err())
                .contains("open");
    }

    @Test
    void aRejectedCreateLeavesNoVault() {
        var r = kw.cli("vault", "create", "half-made", "--unmatched", "bogus").expect(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("bogus");
        kw.cli("vault", "show", "half-made").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void unknownVaultIsNotFound() {
        assertThat(kw.cli("vault", "show", "no-such-vault").expect(ExitCodes.NOT_FOUND).err()).contains("no-such-vault");
        kw.cli("vault", "delete", "no-such-vault").expect(ExitCodes.NOT_FOUND);
        kw.cli("vault", "set-policy", "no-such-vault", "--unmatched", "deny").expect(ExitCodes.NOT_FOUND);
        kw.cli("credential", "list", "--vault", "no-such-vault").expect(ExitCodes.NOT_FOUND);
    }

    @Test
    void theDefaultVaultCannotBeDeleted() {
        kw.cli("vault", "delete", "default").expect(ExitCodes.CONFLICT);
    }
}
