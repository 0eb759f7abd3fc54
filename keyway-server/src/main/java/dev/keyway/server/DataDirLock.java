package dev.keyway.server;

import dev.keyway.core.fs.OwnerOnly;
import dev.keyway.core.local.DataDir;
import dev.keyway.core.local.ServerInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * An exclusive lock on a data dir ({@code server.lock}), held for the server's whole life. Two
 * servers on one data dir would each open the database and the audit log, listen on different
 * ports, and the second to stop would delete the first's {@code server.json}; the second one
 * therefore refuses to start. The operating system releases the lock when the process dies, so a
 * crash leaves nothing to clean up. The file holds the owner's pid (for the message only).
 */
public final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another server (another process, or another instance in this one) holds the data dir. */
    public static final class InUseException extends RuntimeException {
        InUseException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Takes the lock or fails at once (never waits).
     *
     * @throws InUseException naming the other server's pid and addresses when they are known
     */
    public static DataDirLock acquire(DataDir dir) {
        Path file = dir.root().resolve("server.lock");
        FileChannel ch;
        try {
            ch = Files.exists(file) ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                            OwnerOnly.fileAttributes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the lock file " + file + ": " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM already holds it: another server instance in this process
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            String holder = holder(ch, dir);
            closeQuietly(ch);
            throw new InUseException("another Keyway server is already running on the data dir " + dir.root().toAbsolutePath()
                    + " (" + holder + "); stop it first, or give this one its own --data-dir / KEYWAY_HOME");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot write the lock file " + file + ": " + e.getMessage(), e);
        }
        return new DataDirLock(ch, lock);
    }

    /** Describes the holder from the lock file's pid and, when it is that process's, server.json. */
    private static String holder(FileChannel ch, DataDir dir) {
        long pid = -1;
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            pid = Long.parseLong(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            // still starting (pid not yet written) or an unreadable file: say what we know
        }
        var info = ServerInfo.read(dir.serverInfo());
        if (info.isPresent() && (pid < 0 || info.get().pid() == pid)) {
            ServerInfo s = info.get();
            return "pid " + s.pid() + ", API " + s.api() + ", proxy " + s.proxy();
        }
        return pid > 0 ? "pid " + pid + ", still starting" : "pid unknown";
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    /** Releases the lock (the file stays: deleting it would race with a server starting). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }
}
