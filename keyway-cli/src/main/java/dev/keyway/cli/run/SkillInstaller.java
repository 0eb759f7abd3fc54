package dev.keyway.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes Keyway's skill file into agent skill directories (see {@link SkillFiles}). Best effort: a
 * read-only home or an odd file never stops the run; it is reported on stderr.
 */
public final class SkillInstaller {
    static final String RESOURCE = "dev/keyway/cli/run/keyway-skill.md";

    private SkillInstaller() {}

    /** The skill text shipped in the Keyway jar, with its ownership mark. */
    public static String skill() {
        try (InputStream in = SkillInstaller.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the skill file " + RESOURCE + " is missing from this build");
            }
            return SkillFiles.render(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    /** Installs into the selected targets, one stderr line per file written or updated (and kept, if {@code reportKept}). */
    public static void install(List<SkillFiles.Target> targets, String rendered, PrintWriter err, boolean reportKept) {
        for (SkillFiles.Target t : targets) {
            Path f = t.file();
            try {
                String existing = Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8) : null;
                switch (SkillFiles.decide(existing, rendered)) {
                    case WRITE, UPDATE -> {
                        Files.createDirectories(f.getParent());
                        Path tmp = Files.createTempFile(f.getParent(), ".SKILL", ".tmp");
                        Files.writeString(tmp, rendered, StandardCharsets.UTF_8);
                        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                        err.println("keyway: " + (existing == null ? "installed" : "updated") + " the Keyway skill for "
                                + t.agent() + " in " + f);
                    }
                    case KEEP_USER_FILE -> {
                        if (reportKept) {
                            err.println("keyway: kept your edited skill file " + f
                                    + " (remove it to get the current version)");
                        }
                    }
                    case UNCHANGED -> {
                        // nothing to say
                    }
                }
            } catch (IOException | RuntimeException e) {
                err.println("keyway: could not install the skill for " + t.agent() + " in " + f + ": " + e.getMessage());
            }
        }
        err.flush();
    }

    /** Whether a program is on the PATH of {@code env}. */
    public static boolean onPath(Map<String, String> env, String program) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
