package dev.keyway.cli;

import dev.keyway.core.local.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The login session saved by {@code keyway login} in {@code <data dir>/session.json} (0600, written
 * atomically). It holds a session token, so it is treated like the admin token: owner-only file.
 */
record Session(String addr, String token, String email, @Nullable Instant expiresAt) {
    static Path file(Path dataDir) {
        return dataDir.resolve("session.json");
    }

    boolean live() {
        return expiresAt == null || Instant.now().isBefore(expiresAt);
    }

    static @Nullable Session read(Path dataDir) {
        Path f = file(dataDir);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            JsonNode n = ApiClient.JSON.readTree(Files.readString(f));
            return new Session(n.path("addr").asString(), n.path("token").asString(), n.path("email").asString(),
                    n.hasNonNull("expires_at") ? Instant.parse(n.get("expires_at").asString()) : null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    void write(Path dataDir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("addr", addr);
        m.put("token", token);
        m.put("email", email);
        m.put("expires_at", expiresAt == null ? null : expiresAt.toString());
        try {
            Files.createDirectories(dataDir);
            SecureFiles.writeAtomically(file(dataDir), ApiClient.JSON.writeValueAsString(m) + "\n");
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILURE, "cannot write " + file(dataDir) + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "Session[" + email + "@" + addr + "]";
    }
}
