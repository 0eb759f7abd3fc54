package dev.keyway.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RunSkillFilesTest {
    static final String V1 = SkillFiles.render("# skill v1\nbody\n");
    static final String V2 = SkillFiles.render("# skill v2\nbody\n");

    static List<Object[]> decisions() {
        return List.of(
                new Object[] {"absent", null, SkillFiles.Action.WRITE},
                new Object[] {"current", V2, SkillFiles.Action.UNCHANGED},
                new Object[] {"older, untouched", V1, SkillFiles.Action.UPDATE},
                new Object[] {"older, edited", V1.replace("body", "my notes"), SkillFiles.Action.KEEP_USER_FILE},
                new Object[] {"user's own file", "# my keyway notes\n", SkillFiles.Action.KEEP_USER_FILE},
                new Object[] {"mark removed", "# skill v1\nbody\n", SkillFiles.Action.KEEP_USER_FILE},
                new Object[] {"text appended after mark", V1 + "more\n", SkillFiles.Action.KEEP_USER_FILE});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decide(String name, String existing, SkillFiles.Action expected) {
        assertThat(SkillFiles.decide(existing, V2)).isEqualTo(expected);
    }

    @Test
    void targetsHonourConfigDirsAndAutoSelectionNeedsTheProgram(@TempDir Path home) {
        List<SkillFiles.Target> all = SkillFiles.targets(Map.of("CODEX_HOME", "/c"), home);
        assertThat(all).extracting(SkillFiles.Target::file).contains(home.resolve(".claude/skills/keyway/SKILL.md"),
                Path.of("/c/skills/keyway/SKILL.md"), home.resolve(".cursor/skills/keyway/SKILL.md"),
                home.resolve(".agents/skills/keyway/SKILL.md"));
        assertThat(SkillFiles.select(all, null, p -> p.equals("claude"))).extracting(SkillFiles.Target::agent).containsExactly("Claude Code");
        assertThat(SkillFiles.select(all, null, p -> false)).isEmpty();
        assertThat(SkillFiles.select(all, true, p -> false)).hasSameSizeAs(all);
        assertThat(SkillFiles.select(all, false, p -> true)).isEmpty();
    }

    @Test
    void installerWritesUpdatesAndNeverOverwritesEdits(@TempDir Path home) throws Exception {
        List<SkillFiles.Target> t = SkillFiles.select(SkillFiles.targets(Map.of(), home), null, Set.of("claude", "codex")::contains);
        StringWriter err = new StringWriter();
        SkillInstaller.install(t, V1, new PrintWriter(err), false);
        Path claude = home.resolve(".claude/skills/keyway/SKILL.md");
        Path codex = home.resolve(".codex/skills/keyway/SKILL.md");
        assertThat(Files.readString(claude)).isEqualTo(V1);
        Files.writeString(codex, "# my own notes\n");
        SkillInstaller.install(t, V2, new PrintWriter(err), true);
        assertThat(Files.readString(claude)).isEqualTo(V2);
        assertThat(Files.readString(codex)).isEqualTo("# my own notes\n");
        assertThat(err.toString()).contains("installed the Keyway skill for Claude Code").contains("updated the Keyway skill for Claude Code")
                .contains("kept your edited skill file " + codex);
    }

    @Test
    void shippedSkillHasFrontMatter() {
        assertThat(SkillInstaller.skill()).startsWith("---\nname: keyway\ndescription: ").contains("keyway discover");
    }
}
