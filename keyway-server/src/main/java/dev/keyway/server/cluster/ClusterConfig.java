package dev.keyway.server.cluster;

import dev.keyway.store.postgres.PostgresUrl;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a node joins a cluster. Kept apart from {@code ServerConfig} because it only matters with a
 * shared database; a single node on SQLite uses {@link #single()}.
 *
 * @param databaseUrl the shared PostgreSQL database, or null for the embedded SQLite file
 * @param nodeName this node's name in logs, status and audit records (unique per running node)
 * @param maxSyncLag longest time without a confirmed sync before the node stops injecting (fail closed)
 * @param pollInterval how often the change log is polled besides LISTEN (bounds what a broken LISTEN costs)
 * @param poolSize PostgreSQL connections in this node's pool
 * @param auditRetention how long the cluster-wide audit table keeps records ({@code ZERO}: all, the default)
 */
public record ClusterConfig(@Nullable PostgresUrl databaseUrl, String nodeName, Duration maxSyncLag, Duration pollInterval,
        int poolSize, Duration auditRetention) {

    public static final Duration DEFAULT_MAX_SYNC_LAG = Duration.ofSeconds(5);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);

    public ClusterConfig {
        Objects.requireNonNull(nodeName, "nodeName");
        if (nodeName.isBlank() || nodeName.length() > 128 || !nodeName.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException("node name must be 1-128 characters of A-Z a-z 0-9 . _ : -");
        }
        if (maxSyncLag.isNegative() || maxSyncLag.isZero()) {
            throw new IllegalArgumentException("max sync lag must be positive");
        }
        if (pollInterval.isNegative() || pollInterval.isZero() || pollInterval.compareTo(maxSyncLag) >= 0) {
            throw new IllegalArgumentException("poll interval must be positive and shorter than the max sync lag");
        }
        if (poolSize < 2 || poolSize > 200) {
            throw new IllegalArgumentException("pool size must be between 2 and 200");
        }
        if (auditRetention.isNegative() || (!auditRetention.isZero() && auditRetention.compareTo(Duration.ofDays(1)) < 0)) {
            throw new IllegalArgumentException("audit retention must be 0 (keep all) or at least one day");
        }
    }

    /** Without audit retention (the cluster-wide audit table keeps every record). */
    public ClusterConfig(@Nullable PostgresUrl databaseUrl, String nodeName, Duration maxSyncLag, Duration pollInterval,
            int poolSize) {
        this(databaseUrl, nodeName, maxSyncLag, pollInterval, poolSize, Duration.ZERO);
    }

    /** The same node deleting cluster-wide audit records older than {@code retention} (zero keeps all). */
    public ClusterConfig withAuditRetention(Duration retention) {
        return new ClusterConfig(databaseUrl, nodeName, maxSyncLag, pollInterval, poolSize, retention);
    }

    /** A single node on the embedded SQLite database. */
    public static ClusterConfig single() {
        return new ClusterConfig(null, "local", DEFAULT_MAX_SYNC_LAG, DEFAULT_POLL_INTERVAL, 8);
    }

    /** A node of a PostgreSQL cluster with the default lag, poll interval and pool size. */
    public static ClusterConfig postgres(PostgresUrl url, String nodeName) {
        return new ClusterConfig(url, nodeName, DEFAULT_MAX_SYNC_LAG, DEFAULT_POLL_INTERVAL, 8);
    }

    public boolean clustered() {
        return databaseUrl != null;
    }

    public ClusterConfig withMaxSyncLag(Duration lag) {
        return new ClusterConfig(databaseUrl, nodeName, lag, pollInterval, poolSize, auditRetention);
    }

    /** The default node name: this host's name and the API port, e.g. {@code web-3:9790}. */
    public static String defaultNodeName(int apiPort) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "node");
        }
        String clean = host.replaceAll("[^A-Za-z0-9._-]", "-");
        return (clean.isEmpty() ? "node" : clean) + ":" + apiPort;
    }
}
