package dev.keyway.dist;

import dev.keyway.server.ServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyway server}: run the control plane and the proxy until SIGINT/SIGTERM. Only the options
 * live here (plain Java types, so building the command tree for a client command loads no server
 * class); {@link ServerStart} validates them and runs the server.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run Keyway: the control-plane API (default 127.0.0.1:9790) and the proxy (default 127.0.0.1:9791).",
            "The first start creates the data dir, a random master key file (unless KEYWAY_MASTER_PASSWORD is set),",
            "the CA, the 'default' vault and an admin token for the CLI. Stop with Ctrl-C or SIGTERM."})
final class ServerCommand implements Runnable {
    // the default ports are compile-time constants, inlined: ServerConfig itself is not loaded here
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (env KEYWAY_HOME; default ~/.keyway).")
    Path dataDir;

    @Option(names = "--api-addr", paramLabel = "HOST:PORT", description = "Control-plane listen address (default 127.0.0.1:9790).")
    String apiAddr = "127.0.0.1:" + ServerConfig.DEFAULT_API_PORT;

    @Option(names = "--proxy-addr", paramLabel = "HOST:PORT", description = "Proxy listen address (default 127.0.0.1:9791).")
    String proxyAddr = "127.0.0.1:" + ServerConfig.DEFAULT_PROXY_PORT;

    @Option(names = "--metrics-addr", paramLabel = "HOST:PORT",
            description = "Also serve Prometheus metrics at http://HOST:PORT/metrics, without authentication (off by default; "
                    + "use a loopback host unless the scraper is elsewhere). The API serves GET /metrics to the owner either way.")
    String metricsAddr;

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

    @Option(names = "--database-url", paramLabel = "URL",
            description = "Run as a cluster node on this PostgreSQL database: postgresql://USER:PASS@HOST:PORT/DB[?sslmode=...] "
                    + "(env KEYWAY_DATABASE_URL; default: the SQLite file in the data dir). Every node needs the same master key.")
    String databaseUrl;

    @Option(names = "--node-name", paramLabel = "NAME",
            description = "This node's name in a cluster, unique per running node (default: host name and API port).")
    String nodeName;

    @Option(names = "--max-sync-lag", paramLabel = "SECONDS", defaultValue = "5",
            description = "A cluster node that has not confirmed sync with the database for this long stops injecting "
                    + "(503 node-out-of-sync) and answers /ready 503 until it recovers (default ${DEFAULT-VALUE}).")
    double maxSyncLagSeconds;

    @Option(names = "--cluster-audit-retention", paramLabel = "DAYS", defaultValue = "0",
            description = "A cluster node deletes records older than this many days from the cluster-wide audit table "
                    + "(default ${DEFAULT-VALUE}: keep all; each node's local audit files rotate as before).")
    int clusterAuditRetentionDays;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info (default), debug or trace (env KEYWAY_LOG_LEVEL).")
    String logLevel;

    @Override
    public void run() {
        new ServerStart(this, spec.commandLine().getErr()).run();
    }
}
