package dev.keyway.server.source;

import dev.keyway.core.source.Fetched;
import dev.keyway.core.source.SecretSource;
import dev.keyway.core.source.SourceFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code file}: {@code --ref /absolute/path} is a file holding the value (one trailing newline is
 * dropped). Refused unless it is a regular file (not a symlink), mode 0600 or 0400, and owned by
 * the user Keyway runs as, so another local user cannot plant or read the value. The file is
 * read at every fetch and its modification time is the version, so a changed file is used after
 * the credential's TTL (use a short {@code --ttl} for files that rotate often).
 */
final class FileSource implements SecretSource {
    static final int MAX_BYTES = 64 * 1024;
    private static final Set<PosixFilePermission> ALLOWED =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    @Override
    public void checkRef(String ref) throws SourceFailure {
        if (ref.isEmpty() || ref.length() > 4096 || !ref.startsWith("/") || ref.indexOf('\0') >= 0) {
            throw new SourceFailure(SourceFailure.Kind.BAD_REF, "an absolute file path");
        }
    }

    @Override
    public Fetched fetch(String ref) throws SourceFailure {
        checkRef(ref);
        Path p = Path.of(ref);
        try (SeekableByteChannel ch = Files.newByteChannel(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            // check the attributes of what was opened (no symlink followed), not of what the path names later
            PosixFileAttributes a = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
            if (!a.isRegularFile()) {
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, ref + " is not a regular file");
            }
            if (!ALLOWED.containsAll(a.permissions()) || !a.permissions().contains(PosixFilePermission.OWNER_READ)) {
                throw new SourceFailure(SourceFailure.Kind.AUTH, ref + " must be mode 0600 or 0400 (chmod 600 " + ref + ")");
            }
            String me = System.getProperty("user.name");
            if (!a.owner().getName().equals(me)) {
                throw new SourceFailure(SourceFailure.Kind.AUTH, ref + " is owned by " + a.owner().getName()
                        + ", not by the user Keyway runs as (" + me + ")");
            }
            if (a.size() > MAX_BYTES) {
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, ref + " is larger than " + MAX_BYTES + " bytes");
            }
            byte[] raw;
            try (InputStream in = Channels.newInputStream(ch)) {
                raw = in.readNBytes(MAX_BYTES + 1);
            }
            if (raw.length > MAX_BYTES) {
                Arrays.fill(raw, (byte) 0);
                throw new SourceFailure(SourceFailure.Kind.BAD_VALUE, ref + " is larger than " + MAX_BYTES + " bytes");
            }
            byte[] value = trimNewline(raw);
            return new Fetched(value, Long.toString(a.lastModifiedTime().toMillis()));
        } catch (NoSuchFileException e) {
            throw new SourceFailure(SourceFailure.Kind.NOT_FOUND, ref + " does not exist");
        } catch (AccessDeniedException e) {
            throw new SourceFailure(SourceFailure.Kind.AUTH, ref + " cannot be read by Keyway's user");
        } catch (IOException e) {
            String why = e.getMessage() != null && e.getMessage().contains("symbolic") ? " is a symbolic link"
                    : ": " + e.getClass().getSimpleName();
            throw new SourceFailure(SourceFailure.Kind.UNAVAILABLE, ref + why);
        }
    }

    /** Drops one trailing "\n" or "\r\n" (editors add one); wipes the original when it copies. */
    static byte[] trimNewline(byte[] raw) {
        int n = raw.length;
        if (n > 0 && raw[n - 1] == '\n') {
            n--;
            if (n > 0 && raw[n - 1] == '\r') {
                n--;
            }
        }
        if (n == raw.length) {
            return raw;
        }
        byte[] out = Arrays.copyOf(raw, n);
        Arrays.fill(raw, (byte) 0);
        return out;
    }
}
