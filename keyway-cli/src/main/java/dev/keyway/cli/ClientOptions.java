package dev.keyway.cli;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Options shared by every command that talks to a server: where it is and which data dir holds the admin token. */
public final class ClientOptions {
    @Option(names = "--addr", paramLabel = "URL",
            description = "Keyway control-plane URL (env KEYWAY_ADDR; default http://127.0.0.1:9790)")
    @Nullable String addr;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory holding the admin token (env KEYWAY_HOME; default ~/.keyway)")
    @Nullable Path dataDir;

    public String address() {
        String a = addr != null ? addr : System.getenv("KEYWAY_ADDR");
        if (a == null || a.isBlank()) {
            a = "http://127.0.0.1:9790";
        }
        while (a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        return a;
    }

    public Path dataDir() {
        return resolveDataDir(dataDir);
    }

    public static Path resolveDataDir(@Nullable Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String home = System.getenv("KEYWAY_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        return Path.of(System.getProperty("user.home"), ".keyway");
    }

    public ApiClient client() {
        return ApiClient.create(address(), dataDir());
    }
}
