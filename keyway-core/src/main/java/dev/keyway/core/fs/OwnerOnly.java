package dev.keyway.core.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates files ({@code 0600}) and directories ({@code 0700}) that only their owner can use.
 *
 * <p>Why one class: secrets (admin and agent tokens, the master key file, session files, per-run AWS
 * credentials) and the files that hold ciphertext must never be readable by another local user, not even
 * for an instant. Every file is therefore <em>created</em> with its final permissions (no
 * create-then-chmod window), and a replaced file is written to an owner-only temp file in the same
 * directory, flushed and renamed over the target. Eight hand-written copies of this existed; a fix to one
 * (the fsync, the fallback on file systems without POSIX permissions) now reaches all callers.
 *
 * <p>On a file system without POSIX permissions (Windows) the files are created without attributes and
 * the platform's ACLs apply. Policy beyond that (warning about and tightening a file someone loosened,
 * refusing a key file with broad permissions) belongs to the callers.
 */
public final class OwnerOnly {
    /** {@code rw-------}: what an owner-only file may have. */
    public static final Set<PosixFilePermission> FILE = Set.copyOf(PosixFilePermissions.fromString("rw-------"));

    /** {@code rwx------}: owner-only directories and executables. */
    public static final Set<PosixFilePermission> DIRECTORY = Set.copyOf(PosixFilePermissions.fromString("rwx------"));

    private static final FileAttribute<?>[] NONE = new FileAttribute<?>[0];

    private OwnerOnly() {}

    /** Whether {@code path}'s file system has POSIX permissions (the path need not exist). */
    public static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** The attributes that create a file as {@code 0600} where {@code path} lives (none without POSIX). */
    public static FileAttribute<?>[] fileAttributes(Path path) {
        return posix(path) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : NONE;
    }

    /** The attributes that create a directory as {@code 0700} where {@code path} lives (none without POSIX). */
    public static FileAttribute<?>[] directoryAttributes(Path path) {
        return posix(path) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIRECTORY)} : NONE;
    }

    /** Whether {@code permissions} grant nothing to group or others (a subset of {@code rwx------}). */
    public static boolean ownerOnly(Set<PosixFilePermission> permissions) {
        return DIRECTORY.containsAll(permissions);
    }

    /**
     * Creates {@code dir} and its missing parents, each new one as {@code 0700}; existing directories are left
     * as they are (a user's {@code $HOME} is not ours to change).
     */
    public static Path createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return dir;
        }
        Path parent = abs.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(abs, directoryAttributes(abs));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) {
                throw e;
            }
        }
        return dir;
    }

    /** Like {@link #createDirectories}, and sets {@code dir} itself to {@code 0700} if it already existed. */
    public static Path restrictDirectory(Path dir) throws IOException {
        createDirectories(dir);
        if (posix(dir)) {
            Files.setPosixFilePermissions(dir, DIRECTORY);
        }
        return dir;
    }

    /** A new {@code 0700} directory under the system temp directory. */
    public static Path createTempDirectory(String prefix) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(prefix, directoryAttributes(tmp));
    }

    /** Creates {@code file} as {@code 0600}; fails with {@link FileAlreadyExistsException} if it exists. */
    public static Path createFile(Path file) throws IOException {
        return Files.createFile(file, fileAttributes(file));
    }

    /** A new {@code 0600} temp file in {@code dir} (same directory, so a rename over a target is atomic). */
    public static Path createTempFile(Path dir, String prefix, String suffix) throws IOException {
        return Files.createTempFile(dir, prefix, suffix, fileAttributes(dir));
    }

    /**
     * Replaces {@code target} with {@code content} (UTF-8) atomically: an owner-only temp file in the same
     * directory, flushed to disk, then renamed over the target. Readers see the old or the new content, never
     * a partial file, and the result is {@code 0600} whatever the old file's permissions were.
     */
    public static void writeAtomically(Path target, String content) throws IOException {
        Path dir = java.util.Objects.requireNonNull(target.toAbsolutePath().getParent(), "a file system root is not a file");
        Path tmp = createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Sets {@code file} to {@code rwx------} (without POSIX: best effort, executable by its owner). */
    public static void makeExecutable(Path file) throws IOException {
        if (posix(file)) {
            Files.setPosixFilePermissions(file, DIRECTORY);
        } else {
            boolean ignored = file.toFile().setExecutable(true, true);
        }
    }
}
