package dev.keyway.cli.run;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where agent CLIs look for skills and whether Keyway may write its skill file there. Keyway marks
 * the files it writes with a hash of their content; a file whose content no longer matches its mark
 * (or has none) was edited by the user and is never overwritten.
 */
public final class SkillFiles {
    private static final Pattern MARK = Pattern.compile("\\n<!-- keyway-skill sha256:([0-9a-f]{64}) [^\\n]*-->\\n?$");

    private SkillFiles() {}

    /** What to do with one skill file. */
    public enum Action {
        /** No file yet: write it. */
        WRITE,
        /** Our earlier version, untouched by the user: replace it with the current one. */
        UPDATE,
        /** Already the current version. */
        UNCHANGED,
        /** The user changed it (or wrote it): leave it alone. */
        KEEP_USER_FILE
    }

    /** One agent's skill location, and the programs whose presence on PATH means that agent is installed. */
    public record Target(String agent, List<String> programs, Path file) {}

    /** The skill text with its ownership mark appended. */
    public static String render(String body) {
        String b = body.endsWith("\n") ? body : body + "\n";
        return b + "\n<!-- keyway-skill sha256:" + sha256(b)
                + " written by 'keyway run'; edit freely: once edited, Keyway never overwrites this file -->\n";
    }

    public static Action decide(@Nullable String existing, String rendered) {
        if (existing == null) {
            return Action.WRITE;
        }
        if (existing.equals(rendered)) {
            return Action.UNCHANGED;
        }
        Matcher m = MARK.matcher(existing);
        if (m.find() && sha256(existing.substring(0, m.start())).equals(m.group(1))) {
            return Action.UPDATE;
        }
        return Action.KEEP_USER_FILE;
    }

    /** The known skill locations under {@code home}, honouring the agents' own config-dir variables. */
    public static List<Target> targets(Map<String, String> env, Path home) {
        List<Target> t = new ArrayList<>();
        t.add(new Target("Claude Code", List.of("claude"), dir(env, "CLAUDE_CONFIG_DIR", home.resolve(".claude")).resolve("skills")));
        t.add(new Target("Codex", List.of("codex"), dir(env, "CODEX_HOME", home.resolve(".codex")).resolve("skills")));
        t.add(new Target("Cursor", List.of("cursor-agent", "cursor"), home.resolve(".cursor/skills")));
        t.add(new Target("OpenCode", List.of("opencode"),
                dir(env, "XDG_CONFIG_HOME", home.resolve(".config")).resolve("opencode/skills")));
        t.add(new Target("Agent Skills (shared)", List.of("gemini", "amp", "goose"),
                home.resolve(".agents/skills")));
        return t.stream().map(x -> new Target(x.agent(), x.programs(), x.file().resolve("keyway").resolve("SKILL.md"))).toList();
    }

    /**
     * Which targets to write: all with {@code --install-skill} ({@code install} true), none with
     * {@code --no-install-skill} (false), otherwise (null) those whose agent program is on PATH.
     */
    public static List<Target> select(List<Target> all, @Nullable Boolean install, java.util.function.Predicate<String> onPath) {
        if (install != null) {
            return install ? all : List.of();
        }
        return all.stream().filter(t -> t.programs().stream().anyMatch(onPath)).toList();
    }

    private static Path dir(Map<String, String> env, String var, Path fallback) {
        String v = env.get(var);
        return v == null || v.isBlank() ? fallback : Path.of(v);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
