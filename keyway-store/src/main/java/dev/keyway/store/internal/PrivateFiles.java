package dev.keyway.store.internal;

import dev.keyway.core.fs.OwnerOnly;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates files that hold ciphertext, token hashes and audit trails so that only the owning user
 * can read them: files {@code 0600}, newly created directories {@code 0700}.
 *
 * <p>Files are created with their final permissions atomically (no window in which another user
 * could open them); an existing file with broader permissions is tightened and a warning is
 * logged, because someone (or an old version, or a restore from backup) loosened it. On file
 * systems without POSIX permissions these methods only create the file or directory. Creation itself is
 * {@link OwnerOnly}'s (one definition for all modules); this class adds the store's tighten-and-warn policy.
 */
public final class PrivateFiles {
    private static final Logger LOG = LoggerFactory.getLogger(PrivateFiles.class);

    private PrivateFiles() {}

    /** Creates {@code dir} (and missing parents) as {@code 0700} if it does not exist yet. */
    public static void ensureDirectory(Path dir) throws IOException {
        OwnerOnly.createDirectories(dir);
    }

    /**
     * Makes sure {@code file} exists with permissions {@code 0600}: creates it (and its parent
     * directory) if missing, tightens it with a logged warning if it is broader.
     */
    public static void createOrTighten(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            ensureDirectory(parent);
        }
        try {
            OwnerOnly.createFile(file);
            return;
        } catch (FileAlreadyExistsException e) {
            // fall through: check the existing file
        }
        tightenIfExists(file);
    }

    /** If {@code file} exists and is readable or writable by anyone but its owner, sets it to 0600. */
    public static void tightenIfExists(Path file) throws IOException {
        if (!Files.exists(file) || !OwnerOnly.posix(file)) {
            return;
        }
        Set<PosixFilePermission> current = Files.getPosixFilePermissions(file);
        if (!OwnerOnly.FILE.containsAll(current)) {
            LOG.warn("{} had permissions {}; tightening to rw-------",
                    file, PosixFilePermissions.toString(current));
            Files.setPosixFilePermissions(file, OwnerOnly.FILE);
        }
    }
}
