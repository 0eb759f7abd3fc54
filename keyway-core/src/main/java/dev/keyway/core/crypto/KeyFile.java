package dev.keyway.core.crypto;

import dev.keyway.core.fs.OwnerOnly;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;

/**
 * A master key kept in a file instead of derived from a password, for unattended servers (the file
 * is typically provided by a secret manager or a mounted volume).
 *
 * <p>Format: the 32 key bytes in standard base64 on one line (a trailing newline is fine). On POSIX
 * file systems the file must be readable and writable by its owner only (mode 0600 or 0400); a key
 * that other users can read is refused, with the {@code chmod} command that fixes it. On other file
 * systems (Windows) permissions are left to ACLs and not checked.
 *
 * <p>This is the only class in the package that does I/O.
 */
public final class KeyFile {
    /** Upper bound on what is read; a key line is 44 characters, anything much larger is not a key file. */
    private static final int MAX_FILE_BYTES = 1024;

    private KeyFile() {}

    /**
     * Loads the master key from {@code path}.
     *
     * @throws KeyMaterialException if the file is missing, unreadable, readable by group or others,
     *     not a single base64 line, or not exactly 32 bytes once decoded
     */
    public static MasterKey read(Path path) {
        Objects.requireNonNull(path, "path");
        if (!Files.exists(path)) {
            throw new KeyMaterialException("master key file not found: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new KeyMaterialException("master key file is not a regular file: " + path);
        }
        checkPermissions(path);
        byte[] raw;
        try (InputStream in = Files.newInputStream(path)) {
            raw = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new KeyMaterialException("cannot read master key file " + path + ": " + e, e);
        }
        try {
            return MasterKey.adopt(decode(path, raw));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /**
     * Generates a random master key and writes it to {@code path}, which must not exist yet.
     *
     * <p>The key is first written and flushed to a temporary file created with mode 0600 in the
     * same directory, then published under {@code path} in one atomic step, so a crash never leaves a
     * partial or world-readable key file behind. Publishing uses a hard link, which atomically fails
     * if {@code path} appeared meanwhile; on file systems without hard links it falls back to an
     * atomic rename after an existence check.
     *
     * @return the new key (the caller owns it and should wipe it when done)
     * @throws KeyMaterialException if {@code path} exists, its directory is missing, or writing fails
     */
    public static MasterKey createNew(Path path) {
        Objects.requireNonNull(path, "path");
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw alreadyExists(path);
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new KeyMaterialException("cannot create master key file " + path + ": directory "
                    + dir + " does not exist");
        }
        MasterKey key = MasterKey.random();
        byte[] keyBytes = key.exportBytes();
        byte[] encoded = Base64.getEncoder().encode(keyBytes);
        byte[] line = Arrays.copyOf(encoded, encoded.length + 1);
        line[encoded.length] = '\n';
        Path tmp = null;
        try {
            tmp = createOwnerOnlyTempFile(dir);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            publish(tmp, target);
            syncDirectory(dir);
            return key;
        } catch (FileAlreadyExistsException e) {
            key.wipe();
            throw alreadyExists(path);
        } catch (IOException e) {
            key.wipe();
            throw new KeyMaterialException("cannot create master key file " + path + ": " + e, e);
        } finally {
            Arrays.fill(keyBytes, (byte) 0);
            Arrays.fill(encoded, (byte) 0);
            Arrays.fill(line, (byte) 0);
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the temp file is owner-only and named as Keyway's.
                }
            }
        }
    }

    private static Path createOwnerOnlyTempFile(Path dir) throws IOException {
        return OwnerOnly.createTempFile(dir, ".keyway-master-key-", ".tmp");
    }

    /** Makes {@code tmp}'s content visible as {@code target} atomically, never replacing an existing file. */
    private static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            return;
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            // no hard links here: fall back to check-then-rename
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Best effort: makes the new directory entry durable on file systems that support it. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not supported everywhere (e.g. Windows); the file itself is already flushed.
        }
    }

    private static void checkPermissions(Path path) {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = view.readAttributes().permissions();
        } catch (NoSuchFileException e) {
            throw new KeyMaterialException("master key file not found: " + path);
        } catch (IOException e) {
            throw new KeyMaterialException("cannot read permissions of master key file " + path + ": " + e, e);
        }
        if (!OwnerOnly.FILE.containsAll(permissions)) {
            throw new KeyMaterialException("master key file " + path + " has permissions "
                    + PosixFilePermissions.toString(permissions) + "; it must be accessible by its owner only."
                    + " Fix with: chmod 600 " + shellQuote(path.toString()));
        }
    }

    /** Decodes the single base64 line; returns the 32 key bytes. */
    private static byte[] decode(Path path, byte[] raw) {
        if (raw.length > MAX_FILE_BYTES) {
            throw new KeyMaterialException("master key file " + path + " is too large to be a key file"
                    + " (expected one line of base64)");
        }
        int end = raw.length;
        while (end > 0 && isWhitespace(raw[end - 1])) {
            end--;
        }
        if (end == 0) {
            throw new KeyMaterialException("master key file " + path + " is empty");
        }
        for (int i = 0; i < end; i++) {
            if (raw[i] == '\n' || raw[i] == '\r') {
                throw new KeyMaterialException("master key file " + path + " must contain exactly one line");
            }
        }
        byte[] line = Arrays.copyOf(raw, end);
        byte[] key;
        try {
            key = Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            throw new KeyMaterialException("master key file " + path + " does not contain valid base64");
        } finally {
            Arrays.fill(line, (byte) 0);
        }
        if (key.length != MasterKey.LENGTH) {
            int length = key.length;
            Arrays.fill(key, (byte) 0);
            throw new KeyMaterialException("master key file " + path + " must contain a base64-encoded "
                    + MasterKey.LENGTH + "-byte key, found " + length + " bytes");
        }
        return key;
    }

    private static boolean isWhitespace(byte b) {
        return b == '\n' || b == '\r' || b == ' ' || b == '\t';
    }

    private static KeyMaterialException alreadyExists(Path path) {
        return new KeyMaterialException("master key file already exists: " + path + "; refusing to overwrite"
                + " it (data encrypted under the existing key would become unreadable)");
    }

    private static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:@%+=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
