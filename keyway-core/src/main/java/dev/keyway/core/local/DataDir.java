package dev.keyway.core.local;

import dev.keyway.core.fs.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The layout of a Keyway data directory ({@code --data-dir}, {@code KEYWAY_HOME}, default
 * {@code ~/.keyway}). The directory itself is created 0700; every file with secret material is
 * 0600. The CLI reads {@link #adminTokenFile()} to talk to a local server.
 */
public record DataDir(Path root) {

    public Path database() {
        return root.resolve("keyway.db");
    }

    public Path masterKeyFile() {
        return root.resolve("master.key");
    }

    /** A new key file written during rotation before the database commit; see the server's {@code KeyRing}. */
    public Path pendingMasterKeyFile() {
        return root.resolve("master.key.next");
    }

    public Path adminTokenFile() {
        return root.resolve("admin-token");
    }

    public Path auditLog() {
        return root.resolve("audit.jsonl");
    }

    /** Public CA certificate, written for convenience (the key never leaves the database). */
    public Path caCertificate() {
        return root.resolve("ca.pem");
    }

    /** Written while the server runs: the actual API/proxy addresses (useful with port 0). */
    public Path serverInfo() {
        return root.resolve("server.json");
    }

    /** Creates the directory (0700) if missing. */
    public DataDir ensureExists() {
        try {
            OwnerOnly.restrictDirectory(root); // non-POSIX file system: the platform's ACLs apply
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + root + ": " + e.getMessage(), e);
        }
    }
}
