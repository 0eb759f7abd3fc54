package dev.keyway.cli.run;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Adds Keyway's MCP server to agent CLIs' configuration files (see {@link McpRegistrations} for what
 * is written and when). Best effort like the skill install: a read-only home or a file Keyway cannot
 * parse never stops the run; it is reported on stderr. Files are replaced atomically (a temporary
 * file in the same directory, then a rename) with the permissions they had; a new file is created
 * {@code 0600}.
 */
public final class McpInstaller {
    private McpInstaller() {}

    /** Registers with the selected targets: one stderr line per file changed (and kept, if {@code reportKept}). */
    public static void install(List<McpRegistrations.Target> targets, PrintWriter err, boolean reportKept) {
        for (McpRegistrations.Target t : targets) {
            Path f = t.file();
            try {
                String existing = Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8) : null;
                McpRegistrations.Plan plan = McpRegistrations.plan(t, existing);
                switch (plan.action()) {
                    case CREATE, ADD -> {
                        write(f, java.util.Objects.requireNonNull(plan.content()));
                        err.println("keyway: registered the Keyway MCP server ('keyway mcp') for " + t.agent() + " in " + f);
                    }
                    case KEEP_USER_ENTRY -> {
                        if (reportKept) {
                            err.println("keyway: kept the existing 'keyway' MCP server entry in " + f);
                        }
                    }
                    case UNREADABLE -> err.println("keyway: left " + f + " unchanged (" + plan.detail()
                            + "); add the Keyway MCP server by hand, see 'keyway mcp --help'");
                    case UNCHANGED -> {
                        // already registered
                    }
                }
            } catch (IOException | RuntimeException e) {
                err.println("keyway: could not register the MCP server for " + t.agent() + " in " + f + ": " + e.getMessage());
            }
        }
        err.flush();
    }

    private static void write(Path f, String content) throws IOException {
        Path dir = f.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Set<PosixFilePermission> mode = posix && Files.exists(f) ? Files.getPosixFilePermissions(f)
                : PosixFilePermissions.fromString("rw-------");
        Path tmp = posix ? Files.createTempFile(dir, "." + f.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(mode))
                : Files.createTempFile(dir, "." + f.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            if (posix) {
                Files.setPosixFilePermissions(tmp, mode); // the umask may have narrowed the creation mode
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
