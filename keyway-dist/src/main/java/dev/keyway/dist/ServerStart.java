package dev.keyway.dist;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.keyway.cli.CliException;
import dev.keyway.cli.ClientOptions;
import dev.keyway.cli.ExitCodes;
import dev.keyway.core.crypto.CryptoException;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.limit.ConnectionLimits;
import dev.keyway.server.ApiExposure;
import dev.keyway.server.DataDirLock;
import dev.keyway.server.KeywayServer;
import dev.keyway.server.cluster.ClusterConfig;
import dev.keyway.store.postgres.PostgresUrl;
import dev.keyway.server.ServerConfig;
import dev.keyway.server.http.ListenerLimits;
import dev.keyway.store.audit.AuditRotation;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * What {@code keyway server} does with its options: validates them (usage errors exit 64 before
 * anything starts), starts {@link KeywayServer}, prints where it listens, and waits for
 * SIGINT/SIGTERM. Kept apart from {@link ServerCommand} so only this class refers to the server module.
 */
final class ServerStart {
    private final ServerCommand o;
    private final PrintWriter err;

    ServerStart(ServerCommand options, PrintWriter err) {
        this.o = options;
        this.err = err;
    }

    void run() {
        setLogLevel(o.logLevel != null ? o.logLevel : System.getenv("KEYWAY_LOG_LEVEL"));
        HostPort api = HostPort.parse("--api-addr", o.apiAddr);
        HostPort proxy = HostPort.parse("--proxy-addr", o.proxyAddr);
        HostPort metrics = o.metricsAddr == null ? null : HostPort.parse("--metrics-addr", o.metricsAddr);
        Path dir = ClientOptions.resolveDataDir(o.dataDir);
        if (o.upstreamCa != null && !Files.isReadable(o.upstreamCa)) {
            throw new CliException(ExitCodes.USAGE, "--upstream-ca " + o.upstreamCa + " is not a readable file");
        }
        if (o.auditFileMb < 1 || o.auditFileMb > (1L << 20)) {
            throw new CliException(ExitCodes.USAGE, "--audit-file-mb must be between 1 and 1048576, not " + o.auditFileMb);
        }
        if (o.auditKeepFiles < 0) {
            throw new CliException(ExitCodes.USAGE, "--audit-keep-files cannot be negative");
        }
        ConnectionLimits proxyLimits;
        try {
            proxyLimits = new ConnectionLimits(o.proxyMaxConnections, o.proxyMaxConnectionsPerAddress);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--proxy-max-connections and --proxy-max-connections-per-address: "
                    + e.getMessage());
        }
        ServerConfig cfg = new ServerConfig(dir, api.host(), api.port(), proxy.host(), proxy.port(), password(dir),
                o.upstreamCa, o.upstreamProxy, o.allowPrivate, o.allowCidrs, o.resetAdminToken,
                new AuditRotation(o.auditFileMb << 20, o.auditKeepFiles)).withProxyConnections(proxyLimits)
                .withApiLimits(apiLimits());
        if (metrics != null) {
            cfg = cfg.withMetrics(metrics.host(), metrics.port());
        }
        ClusterConfig cluster = cluster(api.port());
        KeywayServer server;
        try {
            server = KeywayServer.start(cfg, cluster);
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
                throw new CliException(ExitCodes.FAILURE, "cannot start: an address is already in use (" + o.apiAddr + " or "
                        + o.proxyAddr + "); is another Keyway running? Use --api-addr/--proxy-addr to pick other ports");
            }
            throw new CliException(ExitCodes.FAILURE, "cannot start: " + e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "keyway-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println("Keyway is running.");
        err.println("  API:    http://" + api.host() + ":" + server.apiPort());
        err.println("  Proxy:  http://" + proxy.host() + ":" + server.proxyPort());
        err.println("  Data:   " + dir.toAbsolutePath());
        if (metrics != null) {
            err.println("  Metrics: http://" + metrics.host() + ":" + server.metricsPort() + "/metrics");
            String metricsExposure = dev.keyway.server.metrics.MetricsRoutes.exposureWarning(metrics.host(), server.metricsPort());
            if (metricsExposure != null) {
                err.println(metricsExposure);
            }
        }
        if (cluster.databaseUrl() != null) {
            err.println("  Cluster: node " + cluster.nodeName() + " on " + cluster.databaseUrl().redacted());
        }
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

    /** The cluster options: a database URL from --database-url or KEYWAY_DATABASE_URL makes this a cluster node. */
    private ClusterConfig cluster(int apiPort) {
        String url = o.databaseUrl != null ? o.databaseUrl : System.getenv("KEYWAY_DATABASE_URL");
        if (url == null || url.isBlank()) {
            if (o.nodeName != null) {
                throw new CliException(ExitCodes.USAGE, "--node-name needs --database-url (or KEYWAY_DATABASE_URL)");
            }
            return ClusterConfig.single();
        }
        PostgresUrl parsed;
        try {
            parsed = PostgresUrl.parse(url.strip());
        } catch (KeywayException e) {
            throw new CliException(ExitCodes.USAGE, "--database-url: " + e.detail());
        }
        if (!(o.maxSyncLagSeconds >= 1 && o.maxSyncLagSeconds <= 3600)) {
            throw new CliException(ExitCodes.USAGE, "--max-sync-lag must be between 1 and 3600 seconds");
        }
        if (o.clusterAuditRetentionDays < 0 || o.clusterAuditRetentionDays > 36_500) {
            throw new CliException(ExitCodes.USAGE, "--cluster-audit-retention must be between 0 (keep all) and 36500 days");
        }
        String name = o.nodeName != null ? o.nodeName : ClusterConfig.defaultNodeName(apiPort);
        try {
            return ClusterConfig.postgres(parsed, name)
                    .withMaxSyncLag(java.time.Duration.ofMillis(Math.round(o.maxSyncLagSeconds * 1000)))
                    .withAuditRetention(java.time.Duration.ofDays(o.clusterAuditRetentionDays));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--node-name: " + e.getMessage());
        }
    }

    private ListenerLimits apiLimits() {
        if (o.apiMaxConnections < 1) {
            throw new CliException(ExitCodes.USAGE, "--api-max-connections must be at least 1, not " + o.apiMaxConnections);
        }
        if (o.apiMaxConnectionsPerAddress < 1 || o.apiMaxConnectionsPerAddress > o.apiMaxConnections) {
            throw new CliException(ExitCodes.USAGE, "--api-max-connections-per-address must be between 1 and --api-max-connections ("
                    + o.apiMaxConnections + "), not " + o.apiMaxConnectionsPerAddress);
        }
        if (o.apiHeaderTimeoutSeconds < 1 || o.apiHeaderTimeoutSeconds > 3600) {
            throw new CliException(ExitCodes.USAGE, "--api-header-timeout must be between 1 and 3600 seconds, not "
                    + o.apiHeaderTimeoutSeconds);
        }
        return new ListenerLimits(o.apiMaxConnections, o.apiMaxConnectionsPerAddress, Duration.ofSeconds(o.apiHeaderTimeoutSeconds));
    }

    private char @org.jspecify.annotations.Nullable [] password(Path dir) {
        if (o.passwordFile != null) {
            try {
                String s = Files.readString(o.passwordFile, StandardCharsets.UTF_8).strip();
                if (s.isEmpty()) {
                    throw new CliException(ExitCodes.USAGE, "--master-password-file " + o.passwordFile + " is empty");
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
