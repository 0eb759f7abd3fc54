package dev.keyway.cli;

import dev.keyway.core.local.DataDir;
import dev.keyway.core.local.ServerInfo;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Options shared by every command that talks to a server: where it is and which data dir holds the admin token. */
public final class ClientOptions {
    static final String DEFAULT_ADDR = "http://127.0.0.1:9790";

    @Option(names = "--addr", paramLabel = "URL",
            description = "Keyway control-plane URL (env KEYWAY_ADDR; default: the address the server on --data-dir "
                    + "recorded in server.json, else http://127.0.0.1:9790)")
    @Nullable String addr;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory holding the admin token (env KEYWAY_HOME; default ~/.keyway)")
    @Nullable Path dataDir;

    /**
     * The server URL: {@code --addr}, else {@code KEYWAY_ADDR}, else the API address the server
     * running on this data dir recorded in {@code server.json} (so non-default ports need no
     * variable), else the default.
     */
    public String address() {
        String a = addr != null ? addr : System.getenv("KEYWAY_ADDR");
        if (a == null || a.isBlank()) {
            a = recordedAddress(dataDir());
        }
        if (a == null) {
            a = DEFAULT_ADDR;
        }
        while (a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        return a;
    }

    /**
     * The API address recorded by a live server on {@code dataDir} ({@code server.json}), or null
     * when there is none or its process is gone (a crash leaves the file behind).
     */
    public static @Nullable String recordedAddress(Path dataDir) {
        return ServerInfo.read(new DataDir(dataDir).serverInfo()).filter(ServerInfo::processAlive).map(ServerInfo::clientApi)
                .orElse(null);
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
