package dev.keyway.core.local;

import dev.keyway.core.fs.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a running server records in its data dir ({@code server.json}): the addresses it actually
 * listens on (useful with port 0 or non-default ports) and its pid. The CLI reads it to find the
 * server without {@code KEYWAY_ADDR}; a second server uses it to name the one holding the data dir.
 *
 * @param api the control-plane URL, e.g. {@code http://127.0.0.1:9790}
 * @param proxy the proxy's host:port
 * @param pid the server process's id
 */
public record ServerInfo(String api, String proxy, long pid) {
    /** Three plain members: Jackson's defaults read and write them (the server's API mapper is not needed). */
    private static final JsonMapper MAPPER = JsonMapper.shared();

    /** The record for a server bound to these hosts and ports (IPv6 literals in brackets). */
    public static ServerInfo of(String apiHost, int apiPort, String proxyHost, int proxyPort, long pid) {
        return new ServerInfo("http://" + bracket(apiHost) + ":" + apiPort, bracket(proxyHost) + ":" + proxyPort, pid);
    }

    private static String bracket(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The API URL a client on this machine dials: a wildcard bind address becomes loopback. */
    public String clientApi() {
        return api.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:");
    }

    /** Whether the recorded process still runs (a crashed server leaves its file behind). */
    public boolean processAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    public void write(Path file) throws IOException {
        OwnerOnly.writeAtomically(file, MAPPER.writeValueAsString(this) + "\n");
    }

    /** The record in {@code file}, or empty when it is missing, unreadable or not a server record. */
    public static Optional<ServerInfo> read(Path file) {
        try {
            JsonNode n = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            @Nullable String api = n.path("api").asString(null);
            @Nullable String proxy = n.path("proxy").asString(null);
            long pid = n.path("pid").asLong(-1);
            if (api == null || proxy == null || pid <= 0 || !(api.startsWith("http://") || api.startsWith("https://"))) {
                return Optional.empty();
            }
            return Optional.of(new ServerInfo(api, proxy, pid));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
