package dev.keyway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway service apply -f services.yaml}: diff, dry run, atomic replace, strict parsing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliApplyTest {
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

    private String services(String vault) {
        return kw.cli("service", "list", "--vault", vault, "--json").ok().json().toString();
    }

    @Test
    void dryRunShowsTheDiffAndChangesNothingThenApplyDoes() throws Exception {
        kw.cli("vault", "create", "apply").ok();
        kw.cli("service", "add", "keep", "--vault", "apply", "--host", "keep.example.com", "--bearer", "KEEP_KEY").ok();
        kw.cli("service", "add", "change", "--vault", "apply", "--host", "change.example.com", "--bearer", "OLD_KEY").ok();
        kw.cli("service", "add", "drop", "--vault", "apply", "--host", "drop.example.com", "--passthrough").ok();
        String before = services("apply");

        Path yaml = files.resolve("services.yaml");
        Files.writeString(yaml, """
                services:
                  - name: keep
                    host: keep.example.com
                    inject: { bearer: KEEP_KEY }
                  - name: change
                    host: change.example.com
                    methods: [GET]
                    inject: { bearer: NEW_KEY }
                  - name: fresh
                    host: api.fresh.example.com
                    paths: ["/v2/**"]
                    inject:
                      header:
                        Authorization: "token {FRESH_TOKEN}"
                """);

        var dry = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "apply", "--dry-run").ok();
        assertThat(dry.out().lines()).contains("+ fresh", "~ change", "- drop").doesNotContain("~ keep", "+ keep");
        assertThat(dry.out()).contains("Dry run: nothing was changed (3 change(s) pending)");
        assertThat(services("apply")).isEqualTo(before);

        var real = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "apply").ok();
        assertThat(real.out().lines()).contains("+ fresh", "~ change", "- drop");
        assertThat(real.out()).contains("Applied 3 change(s) to vault apply");
        assertThat(kw.cli("service", "list", "--vault", "apply", "--json").ok().json().findValuesAsString("name"))
                .containsExactly("keep", "change", "fresh");
        assertThat(kw.cli("service", "show", "change", "--vault", "apply").ok().json().get("inject").toString())
                .isEqualTo("{\"bearer\":\"NEW_KEY\"}");

        var again = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "apply").ok();
        assertThat(again.out()).contains("No changes");
    }

    @Test
    void aBareListIsAccepted() throws Exception {
        kw.cli("vault", "create", "bare-list").ok();
        Path yaml = files.resolve("list.yaml");
        Files.writeString(yaml, """
                - name: one
                  host: one.example.com
                  inject: none
                """);
        assertThat(kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "bare-list").ok().out()).contains("+ one");
    }

    @Test
    void unknownKeyIsRejectedByName() throws Exception {
        kw.cli("vault", "create", "strict").ok();
        kw.cli("service", "add", "existing", "--vault", "strict", "--host", "existing.example.com", "--passthrough").ok();
        String before = services("strict");
        Path yaml = files.resolve("typo.yaml");
        Files.writeString(yaml, """
                services:
                  - name: typo
                    host: typo.example.com
                    colour: red
                    inject: none
                """);
        var r = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "strict").expect(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("colour");
        var dry = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "strict", "--dry-run").expect(ExitCodes.CONFLICT);
        assertThat(dry.err()).contains("colour");
        assertThat(services("strict")).isEqualTo(before);
    }

    @Test
    void badFilesAreReported() throws Exception {
        Path top = files.resolve("top.yaml");
        Files.writeString(top, "services: []\nextra: 1\n");
        assertThat(kw.cli("service", "apply", "-f", top.toString()).expect(ExitCodes.CONFLICT).err()).contains("top-level");

        Path broken = files.resolve("broken.yaml");
        Files.writeString(broken, "services: [\n  - {name: x\n");
        assertThat(kw.cli("service", "apply", "-f", broken.toString()).expect(ExitCodes.CONFLICT).err()).contains("not valid YAML");

        Path invalid = files.resolve("invalid.yaml");
        Files.writeString(invalid, "services:\n  - name: bad\n    host: localhost\n    inject: none\n");
        assertThat(kw.cli("service", "apply", "-f", invalid.toString()).expect(ExitCodes.CONFLICT).err())
                .contains("services[0]").contains("localhost");

        Path empty = files.resolve("empty.yaml");
        Files.writeString(empty, "");
        assertThat(kw.cli("service", "apply", "-f", empty.toString()).expect(ExitCodes.CONFLICT).err()).contains("expected a list");

        // A key given twice is refused, not read as "the last one wins" (the reviewer may read the first).
        Path dup = files.resolve("dup.yaml");
        Files.writeString(dup, "services:\n  - name: dup\n    host: safe.example.com\n    host: evil.example.com\n    inject: none\n");
        assertThat(kw.cli("service", "apply", "-f", dup.toString()).expect(ExitCodes.CONFLICT).err())
                .contains("not valid YAML").contains("host");
        assertThat(services("default")).doesNotContain("evil.example.com");

        kw.cli("service", "apply", "-f", files.resolve("missing.yaml").toString()).expect(ExitCodes.USAGE);
        kw.cli("service", "apply").expect(ExitCodes.USAGE);
    }
}
