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
        assertThat(dry.out().lines()).contains("+ fresh", "- drop",
                "~ change: methods [] \u2192 [GET]; inject {\"bearer\":\"OLD_KEY\"} \u2192 {\"bearer\":\"NEW_KEY\"}")
                .noneMatch(l -> l.startsWith("~ keep") || l.startsWith("+ keep"));
        assertThat(dry.out()).contains("Dry run: nothing was changed (3 change(s) pending)");
        assertThat(services("apply")).isEqualTo(before);

        var real = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "apply").ok();
        assertThat(real.out().lines()).contains("+ fresh", "- drop").anyMatch(l -> l.startsWith("~ change: methods [] \u2192 [GET]"));
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

    @Test
    void exportIsAcceptedUnchangedAndRoundTrips() throws Exception {
        kw.cli("vault", "create", "gitops").ok();
        kw.cli("service", "add", "openai", "--vault", "gitops", "--template", "openai").ok();
        kw.cli("service", "add", "gh", "--vault", "gitops", "--host", "api.github.com", "--header",
                "Authorization: token {GITHUB_TOKEN}", "--method", "GET", "--path", "/repos/**", "--description", "GitHub, read-only").ok();
        kw.cli("service", "add", "git", "--vault", "gitops", "--host", "github.com", "--basic", "x-access-token:GITHUB_TOKEN",
                "--disabled").ok();
        kw.cli("service", "add", "tg", "--vault", "gitops", "--host", "api.telegram.org", "--substitute", "__TG__=TG_TOKEN",
                "--in", "path,body").ok();
        Path exported = files.resolve("exported.yaml");
        assertThat(kw.cli("service", "export", "--vault", "gitops", "-o", exported.toString()).ok().out())
                .contains("Wrote 4 service(s) of vault gitops to " + exported);
        String yaml = Files.readString(exported);
        assertThat(yaml).contains("services:").contains("openai").doesNotContain("updated_at");
        // export -> apply --dry-run: nothing to change
        assertThat(kw.cli("service", "apply", "-f", exported.toString(), "--vault", "gitops", "--dry-run").ok().out())
                .contains("No changes");
        // export -> wipe -> apply -> export: identical
        Path empty = files.resolve("none.yaml");
        Files.writeString(empty, "services: []\n");
        assertThat(kw.cli("service", "apply", "-f", empty.toString(), "--vault", "gitops").ok().out()).contains("- openai");
        assertThat(kw.cli("service", "list", "--vault", "gitops", "--json").ok().json().isEmpty()).isTrue();
        assertThat(kw.cli("service", "apply", "-f", exported.toString(), "--vault", "gitops").ok().out())
                .contains("+ openai", "+ gh", "+ git", "+ tg");
        assertThat(kw.cli("service", "export", "--vault", "gitops").ok().out()).isEqualTo(yaml);
        // the output of 'service list --json' (with its read-only metadata) is accepted unchanged too
        Path listed = files.resolve("listed.json");
        Files.writeString(listed, kw.cli("service", "list", "--vault", "gitops", "--json").ok().out());
        assertThat(Files.readString(listed)).contains("updated_at");
        assertThat(kw.cli("service", "apply", "-f", listed.toString(), "--vault", "gitops", "--dry-run").ok().out())
                .contains("No changes");
    }

    /** {@code limits:} in an entry: applied as limits of that service, exported back, validated with the field named. */
    @Test
    void limitsInServicesYamlApplyExportAndAreValidated() throws Exception {
        kw.cli("vault", "create", "limited").ok();
        Path yaml = files.resolve("limits.yaml");
        Files.writeString(yaml, """
                services:
                  - name: gh
                    host: api.github.com
                    inject: { bearer: GITHUB_TOKEN }
                    limits:
                      - { requests: 100, per: 1m }
                      - { requests: 5, per: 1s, credential: GITHUB_TOKEN }
                """);
        var applied = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "limited").ok();
        assertThat(applied.out()).contains("+ gh");
        var limits = kw.cli("limit", "list", "--json").ok().json();
        assertThat(limits.findValuesAsString("description").stream().filter(d -> d.contains("service gh")).toList())
                .hasSize(2);
        String exported = kw.cli("service", "export", "--vault", "limited").ok().out();
        assertThat(exported).contains("limits:").contains("requests: 100").contains("credential: \"GITHUB_TOKEN\"");
        Path back = files.resolve("limits-exported.yaml");
        Files.writeString(back, exported);
        assertThat(kw.cli("service", "apply", "-f", back.toString(), "--vault", "limited", "--dry-run").ok().out())
                .contains("No changes");

        Files.writeString(yaml, """
                services:
                  - name: gh
                    host: api.github.com
                    inject: { bearer: GITHUB_TOKEN }
                    limits:
                      - { requests: 100, per: 1m }
                """);
        assertThat(kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "limited", "--dry-run").ok().out())
                .contains("~ gh: limits [100 per 1m; 5 per 1s (credential GITHUB_TOKEN)] \u2192 [100 per 1m]");

        Path bad = files.resolve("bad-limits.yaml");
        Files.writeString(bad, """
                services:
                  - name: gh
                    host: api.github.com
                    inject: { bearer: GITHUB_TOKEN }
                    limits:
                      - { requests: 5, per: 100ms }
                """);
        assertThat(kw.cli("service", "apply", "-f", bad.toString(), "--vault", "limited").expect(ExitCodes.CONFLICT).err())
                .contains("services[0].limits[0].per");
        assertThat(kw.cli("service", "export", "--vault", "limited").ok().out()).isEqualTo(exported);
    }

    @Test
    void templatesWithOverridesInYaml() throws Exception {
        kw.cli("vault", "create", "templated").ok();
        Path yaml = files.resolve("templated.yaml");
        Files.writeString(yaml, """
                services:
                  - template: anthropic
                  - template: github
                    name: gh-work
                    credential: GH_WORK
                    methods: [GET]
                """);
        var r = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "templated").ok();
        assertThat(r.out()).contains("+ anthropic", "+ gh-work");
        var anthropic = kw.cli("service", "show", "anthropic", "--vault", "templated").ok().json();
        assertThat(anthropic.get("host").asString()).isEqualTo("api.anthropic.com");
        assertThat(anthropic.get("inject").toString()).contains("ANTHROPIC_API_KEY");
        var gh = kw.cli("service", "show", "gh-work", "--vault", "templated").ok().json();
        assertThat(gh.get("methods").toString()).isEqualTo("[\"GET\"]");
        assertThat(gh.get("inject").toString()).contains("GH_WORK").doesNotContain("GITHUB_TOKEN");
        // a template entry that matches what is stored is no change
        assertThat(kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "templated", "--dry-run").ok().out())
                .contains("No changes");

        Path typo = files.resolve("typo-template.yaml");
        Files.writeString(typo, "services:\n  - template: antropic\n");
        assertThat(kw.cli("service", "apply", "-f", typo.toString(), "--vault", "templated").expect(ExitCodes.CONFLICT).err())
                .contains("services[0]").contains("no template named 'antropic'").contains("did you mean anthropic?");
        assertThat(kw.cli("service", "add", "x", "--vault", "templated", "--template", "antropic").expect(ExitCodes.NOT_FOUND).err())
                .contains("did you mean anthropic?");
        Path credOnly = files.resolve("cred-only.yaml");
        Files.writeString(credOnly, "services:\n  - name: x\n    host: x.example.com\n    credential: X\n    inject: none\n");
        assertThat(kw.cli("service", "apply", "-f", credOnly.toString(), "--vault", "templated").expect(ExitCodes.CONFLICT).err())
                .contains("'credential' only applies with 'template'");
    }

    @Test
    void addAndApplyWarnAboutMissingCredentialsAndHostTypos() throws Exception {
        kw.cli("vault", "create", "warned").ok();
        var add = kw.cli("service", "add", "claude", "--vault", "warned", "--host", "api.antrhopic.com", "--bearer", "ANTHROPIC_API_KEY").ok();
        assertThat(add.out()).contains("WARNING: service 'claude' uses credential ANTHROPIC_API_KEY, which does not exist in vault 'warned'")
                .contains("WARNING: service 'claude': host api.antrhopic.com is one edit away from the catalog host api.anthropic.com")
                .contains("did you mean api.anthropic.com?");
        kw.cliWithStdin("secret-value", "credential", "set", "ANTHROPIC_API_KEY", "--vault", "warned").ok();
        var fixed = kw.cli("service", "add", "claude", "--vault", "warned", "--host", "api.anthropic.com", "--bearer", "ANTHROPIC_API_KEY").ok();
        assertThat(fixed.out()).doesNotContain("WARNING");

        Path yaml = files.resolve("warned.yaml");
        Files.writeString(yaml, "services:\n  - name: oai\n    host: api.opneai.com\n    inject: { bearer: OPENAI_API_KEY }\n");
        var dry = kw.cli("service", "apply", "-f", yaml.toString(), "--vault", "warned", "--dry-run").ok();
        assertThat(dry.out()).contains("WARNING: service 'oai' uses credential OPENAI_API_KEY")
                .contains("did you mean api.openai.com?");
    }
}
