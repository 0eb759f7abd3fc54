package dev.keyway.dist;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Build step of the distribution tarball (keyway-dist/pom.xml, package phase): writes the bash, zsh
 * and fish completion scripts and the man page under a {@code share/} directory, each exactly what
 * {@code keyway completion SHELL} and {@code keyway man} print. One JVM for all four instead of one
 * per file (each start costs about a second on a loaded machine), run on the bundled runtime so the
 * build also proves the jar starts there. Not a command: a user has {@code completion} and {@code man}.
 * It lives in keyway-dist and runs the jar's own command tree ({@link Main}), so the page and the
 * scripts include {@code server}, which keyway-cli does not know.
 */
public final class DistFiles {
    private DistFiles() {}

    /** Files under {@code share/} and the CLI arguments whose output each one holds. */
    static final Map<String, String[]> FILES = Map.of(
            "bash-completion/completions/keyway", new String[] {"completion", "bash"},
            "zsh/keyway.zsh", new String[] {"completion", "zsh"},
            "fish/vendor_completions.d/keyway.fish", new String[] {"completion", "fish"},
            "man/man1/keyway.1", new String[] {"man"});

    /** {@code DistFiles SHARE_DIR}: writes every file of {@link #FILES}; exits non-zero if a command fails. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: DistFiles SHARE_DIR");
            System.exit(2);
        }
        write(Path.of(args[0]));
    }

    static void write(Path share) throws IOException {
        for (Map.Entry<String, String[]> e : FILES.entrySet()) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.run(e.getValue(), new PrintWriter(out), new PrintWriter(err));
            if (code != 0) {
                throw new IOException("keyway " + String.join(" ", e.getValue()) + " failed (exit " + code + "): " + err);
            }
            Path file = share.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
        }
    }
}
