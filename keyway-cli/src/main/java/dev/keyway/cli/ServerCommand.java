package dev.keyway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.crypto.CryptoException;
import dev.keyway.server.ApiExposure;
import dev.keyway.server.DataDirLock;
import dev.keyway.server.KeywayServer;
import dev.keyway.core.limit.ConnectionLimits;
import dev.keyway.server.ServerConfig;
import dev.keyway.server.http.ListenerLimits;
import dev.keyway.store.audit.AuditRotation;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keyway server}: run the control plane and the proxy until SIGINT/SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run Keyway: the control-plane API (default 127.0.0.1:9790) and the proxy (default 127.0.0.1:9791).",
            "The first start creates the data dir, a random master key file (unless KEYWAY_MASTER_PASSWORD is set),",
            "the CA, the 'default' vault and an admin token for the CLI. Stop with Ctrl-C or SIGTERM."})
final class ServerCommand implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (env KEYWAY_HOME; default ~/.keyway).")
    Path dataDir;

    @Option(names = "--api-addr", paramLabel = "HOST:PORT", description = "Control-plane listen address (default 127.0.0.1:9790).")
    String apiAddr = "127.0.0.1:" + ServerConfig.DEFAULT_API_PORT;

    @Option(names = "--proxy-addr", paramLabel = "HOST:PORT", description = "Proxy listen address (default 127.0.0.1:9791).")
    String proxyAddr = "127.0.0.1:" + ServerConfig.DEFAULT_PROXY_PORT;

    @Option(names = "--allow-private-upstreams",
            description = "Allow upstream connections to private, loopback and link-local addresses (cloud metadata stays blocked).")
    boolean allowPrivate;

    @Option(names = "--allow-cidr", paramLabel = "CIDR", description = "Allow upstream connections to this range even if private (repeatable).")
    List<String> allowCidrs = new ArrayList<>();

    @Option(names = "--upstream-ca", paramLabel = "FILE", description = "Extra CA bundle (PEM) trusted for upstream TLS, in addition to the system roots.")
    Path upstreamCa;

    @Option(names = "--upstream-proxy", paramLabel = "URL", description = "Send all upstream traffic through this HTTP proxy (http://host:port).")
    String upstreamProxy;

    @Option(names = "--master-password-file", paramLabel = "FILE", description = "Read the master password from FILE (else KEYWAY_MASTER_PASSWORD, else a prompt if the data dir needs one).")
    Path passwordFile;

    @Option(names = "--reset-admin-token", description = "Re-enable a disabled local admin token and write a fresh one to the data dir.")
    boolean resetAdminToken;

    @Option(names = "--audit-file-mb", paramLabel = "MB", defaultValue = "128",
            description = "Rotate audit.jsonl when it reaches this size (default ${DEFAULT-VALUE} MB, at least 1); "
                    + "rotated files are named after their last record's seq and stay queryable.")
    long auditFileMb;

    @Option(names = "--audit-keep-files", paramLabel = "N", defaultValue = "0",
            description = "Keep only the newest N rotated audit files, deleting older ones (default ${DEFAULT-VALUE}: keep all).")
    int auditKeepFiles;

    @Option(names = "--proxy-max-connections", paramLabel = "N", defaultValue = "4096",
            description = "Open connections the proxy accepts in total; more are closed at once (default ${DEFAULT-VALUE}).")
    int proxyMaxConnections;

    @Option(names = "--proxy-max-connections-per-address", paramLabel = "N", defaultValue = "1024",
            description = "Open proxy connections accepted from one client address (default ${DEFAULT-VALUE}).")
    int proxyMaxConnectionsPerAddress;

    @Option(names = "--api-max-connections", paramLabel = "N", defaultValue = "1024",
            description = "Open control-plane connections allowed in total; more are answered 429 and closed (default ${DEFAULT-VALUE}).")
    int apiMaxConnections;

    @Option(names = "--api-max-connections-per-address", paramLabel = "N", defaultValue = "256",
            description = "Open control-plane connections allowed from one client IP address (default ${DEFAULT-VALUE}).")
    int apiMaxConnectionsPerAddress;

    @Option(names = "--api-header-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "A control-plane request's headers must arrive within this many seconds of its first byte, "
                    + "else 408 and close (default ${DEFAULT-VALUE}).")
    int apiHeaderTimeoutSeconds;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info (default), debug or trace (env KEYWAY_LOG_LEVEL).")
    String logLevel;

    @Override
    public void run() {
        setLogLevel(logLevel != null ? logLevel : System.getenv("KEYWAY_LOG_LEVEL"));
        HostPort api = HostPort.parse("--api-addr", apiAddr);
        HostPort proxy = HostPort.parse("--proxy-addr", proxyAddr);
        Path dir = ClientOptions.resolveDataDir(dataDir);
        if (upstreamCa != null && !Files.isReadable(upstreamCa)) {
            throw new CliException(ExitCodes.USAGE, "--upstream-ca " + upstreamCa + " is not a readable file");
        }
        if (auditFileMb < 1 || auditFileMb > (1L << 20)) {
            throw new CliException(ExitCodes.USAGE, "--audit-file-mb must be between 1 and 1048576, not " + auditFileMb);
        }
        if (auditKeepFiles < 0) {
            throw new CliException(ExitCodes.USAGE, "--audit-keep-files cannot be negative");
        }
        ConnectionLimits proxyLimits;
        try {
            proxyLimits = new ConnectionLimits(proxyMaxConnections, proxyMaxConnectionsPerAddress);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--proxy-max-connections and --proxy-max-connections-per-address: "
                    + e.getMessage());
        }
        ServerConfig cfg = new ServerConfig(dir, api.host(), api.port(), proxy.host(), proxy.port(), password(dir),
                upstreamCa, upstreamProxy, allowPrivate, allowCidrs, resetAdminToken,
                new AuditRotation(auditFileMb << 20, auditKeepFiles)).withProxyConnections(proxyLimits)
                .withApiLimits(apiLimits());
        KeywayServer server;
        try {
            server = KeywayServer.start(cfg);
        } catch (DataDirLock.InUseException e) {
            throw new CliException(ExitCodes.CONFLICT, "cannot start: " + e.getMessage());
        } catch (KeywayException | CryptoException e) {
            throw new CliException(ExitCodes.PERMISSION, "cannot start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof java.net.BindException) {
                throw new CliException(ExitCodes.FAILURE, "cannot start: an address is already in use (" + apiAddr + " or "
                        + proxyAddr + "); is another Keyway running? Use --api-addr/--proxy-addr to pick other ports");
            }
            throw new CliException(ExitCodes.FAILURE, "cannot start: " + e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "keyway-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        var err = spec.commandLine().getErr();
        err.println("Keyway is running.");
        err.println("  API:    http://" + api.host() + ":" + server.apiPort());
        err.println("  Proxy:  http://" + proxy.host() + ":" + server.proxyPort());
        err.println("  Data:   " + dir.toAbsolutePath());
        if (server.adminTokenNotice() != null) {
            err.println("  " + server.adminTokenNotice());
        }
        String exposure = ApiExposure.warning(api.host(), server.apiPort());
        if (exposure != null) {
            err.println(exposure);
        }
        err.println("  Web:    http://" + api.host() + ":" + server.apiPort() + "/"
                + (java.nio.file.Files.exists(dir.resolve("setup-code"))
                        ? "  (first run: create the owner with the setup code in " + dir.resolve("setup-code") + ")" : ""));
        err.println("Next: keyway credential set OPENAI_API_KEY; keyway service add openai --template openai; "
                + "keyway run -- <your agent>");
        err.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ListenerLimits apiLimits() {
        if (apiMaxConnections < 1) {
            throw new CliException(ExitCodes.USAGE, "--api-max-connections must be at least 1, not " + apiMaxConnections);
        }
        if (apiMaxConnectionsPerAddress < 1 || apiMaxConnectionsPerAddress > apiMaxConnections) {
            throw new CliException(ExitCodes.USAGE, "--api-max-connections-per-address must be between 1 and --api-max-connections ("
                    + apiMaxConnections + "), not " + apiMaxConnectionsPerAddress);
        }
        if (apiHeaderTimeoutSeconds < 1 || apiHeaderTimeoutSeconds > 3600) {
            throw new CliException(ExitCodes.USAGE, "--api-header-timeout must be between 1 and 3600 seconds, not "
                    + apiHeaderTimeoutSeconds);
        }
        return new ListenerLimits(apiMaxConnections, apiMaxConnectionsPerAddress, Duration.ofSeconds(apiHeaderTimeoutSeconds));
    }

    private char[] password(Path dir) {
        if (passwordFile != null) {
            try {
                String s = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
                if (s.isEmpty()) {
                    throw new CliException(ExitCodes.USAGE, "--master-password-file " + passwordFile + " is empty");
                }
                return s.toCharArray();
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read --master-password-file: " + e.getMessage());
            }
        }
        String env = System.getenv("KEYWAY_MASTER_PASSWORD");
        if (env != null && !env.isEmpty()) {
            return env.toCharArray();
        }
        // Prompt only when the data dir uses a password (no key file) and a terminal is attached.
        Console console = System.console();
        if (console != null && console.isTerminal() && Files.exists(dir.resolve("keyway.db"))
                && !Files.exists(dir.resolve("master.key"))) {
            return console.readPassword("Master password for %s: ", dir);
        }
        return null;
    }

    private static void setLogLevel(String level) {
        if (level == null) {
            return;
        }
        Level l = Level.toLevel(level, null);
        if (l == null) {
            throw new CliException(ExitCodes.USAGE, "unknown log level '" + level + "'; use error, warn, info, debug or trace");
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(l);
        ((Logger) LoggerFactory.getLogger("dev.keyway")).setLevel(l);
    }

    record HostPort(String host, int port) {
        static HostPort parse(String opt, String s) {
            int c = s.lastIndexOf(':');
            if (c <= 0) {
                throw new CliException(ExitCodes.USAGE, opt + " must be HOST:PORT (got '" + s + "')");
            }
            String host = s.substring(0, c);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(s.substring(c + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new HostPort(host, port);
            } catch (NumberFormatException e) {
                throw new CliException(ExitCodes.USAGE, opt + ": invalid port in '" + s + "' (0-65535)");
            }
        }
    }
}
