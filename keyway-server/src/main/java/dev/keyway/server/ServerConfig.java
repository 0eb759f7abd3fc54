package dev.keyway.server;

import dev.keyway.core.limit.ConnectionLimits;
import dev.keyway.server.http.ListenerLimits;
import dev.keyway.store.audit.AuditRotation;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@code keyway server} can be told, with the documented defaults applied by the CLI.
 *
 * @param dataDir where the database, key file, admin token and audit log live
 * @param apiHost control-plane bind host (default 127.0.0.1)
 * @param apiPort control-plane port (default 9790; 0 picks a free port, for tests)
 * @param proxyHost proxy bind host (default 127.0.0.1)
 * @param proxyPort proxy port (default 9791)
 * @param masterPassword the master password if one was supplied (env, file or prompt); wiped after start
 * @param upstreamCa extra CA bundle (PEM) trusted for upstream TLS, in addition to the system roots
 * @param upstreamProxy optional HTTP proxy for all upstream connections ({@code http://host:port})
 * @param allowPrivateUpstreams allow dialing private/loopback/link-local addresses (metadata IPs stay blocked)
 * @param allowCidrs CIDRs that are allowed even though they are private or reserved
 * @param resetAdminToken re-enable (and re-mint) a disabled local admin token at start-up
 * @param auditRotation when {@code audit.jsonl} is rotated and how many rotated files are kept
 * @param proxyConnections open connections the proxy listener accepts, in total and per client address
 * @param apiLimits connection caps and header-read timeout of the control-plane listener
 * @param metricsHost bind host of the separate Prometheus listener ({@code --metrics-addr}), or null when it is off
 * @param metricsPort its port (0 picks a free port, for tests); ignored when {@code metricsHost} is null
 */
public record ServerConfig(
        Path dataDir,
        String apiHost,
        int apiPort,
        String proxyHost,
        int proxyPort,
        char @Nullable [] masterPassword,
        @Nullable Path upstreamCa,
        @Nullable String upstreamProxy,
        boolean allowPrivateUpstreams,
        List<String> allowCidrs,
        boolean resetAdminToken,
        AuditRotation auditRotation,
        ConnectionLimits proxyConnections,
        ListenerLimits apiLimits,
        @Nullable String metricsHost,
        int metricsPort) {

    public static final int DEFAULT_API_PORT = 9790;
    public static final int DEFAULT_PROXY_PORT = 9791;

    public ServerConfig {
        allowCidrs = List.copyOf(allowCidrs);
        java.util.Objects.requireNonNull(proxyConnections, "proxyConnections");
        java.util.Objects.requireNonNull(apiLimits, "apiLimits");
    }

    /** Without the metrics listener (off by default). */
    public ServerConfig(Path dataDir, String apiHost, int apiPort, String proxyHost, int proxyPort,
            char @Nullable [] masterPassword, @Nullable Path upstreamCa, @Nullable String upstreamProxy,
            boolean allowPrivateUpstreams, List<String> allowCidrs, boolean resetAdminToken, AuditRotation auditRotation,
            ConnectionLimits proxyConnections, ListenerLimits apiLimits) {
        this(dataDir, apiHost, apiPort, proxyHost, proxyPort, masterPassword, upstreamCa, upstreamProxy, allowPrivateUpstreams,
                allowCidrs, resetAdminToken, auditRotation, proxyConnections, apiLimits, null, 0);
    }

    /** With the default connection limits of both listeners. */
    public ServerConfig(Path dataDir, String apiHost, int apiPort, String proxyHost, int proxyPort,
            char @Nullable [] masterPassword, @Nullable Path upstreamCa, @Nullable String upstreamProxy,
            boolean allowPrivateUpstreams, List<String> allowCidrs, boolean resetAdminToken, AuditRotation auditRotation) {
        this(dataDir, apiHost, apiPort, proxyHost, proxyPort, masterPassword, upstreamCa, upstreamProxy,
                allowPrivateUpstreams, allowCidrs, resetAdminToken, auditRotation, ConnectionLimits.DEFAULTS, ListenerLimits.DEFAULTS);
    }

    /** Defaults for a data dir: loopback, standard ports, no password (key file mode). */
    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(dataDir, "127.0.0.1", DEFAULT_API_PORT, "127.0.0.1", DEFAULT_PROXY_PORT, null, null, null, false, List.of(), false,
                AuditRotation.DEFAULT);
    }

    public ServerConfig withPorts(int api, int proxy) {
        return new ServerConfig(dataDir, apiHost, api, proxyHost, proxy, masterPassword, upstreamCa, upstreamProxy, allowPrivateUpstreams, allowCidrs, resetAdminToken, auditRotation, proxyConnections, apiLimits, metricsHost, metricsPort);
    }

    public ServerConfig withMasterPassword(char @Nullable [] password) {
        return new ServerConfig(dataDir, apiHost, apiPort, proxyHost, proxyPort, password, upstreamCa, upstreamProxy, allowPrivateUpstreams, allowCidrs, resetAdminToken, auditRotation, proxyConnections, apiLimits, metricsHost, metricsPort);
    }

    public ServerConfig withAuditRotation(AuditRotation rotation) {
        return new ServerConfig(dataDir, apiHost, apiPort, proxyHost, proxyPort, masterPassword, upstreamCa, upstreamProxy, allowPrivateUpstreams, allowCidrs, resetAdminToken, rotation, proxyConnections, apiLimits, metricsHost, metricsPort);
    }

    public ServerConfig withProxyConnections(ConnectionLimits limits) {
        return new ServerConfig(dataDir, apiHost, apiPort, proxyHost, proxyPort, masterPassword, upstreamCa, upstreamProxy, allowPrivateUpstreams, allowCidrs, resetAdminToken, auditRotation, limits, apiLimits, metricsHost, metricsPort);
    }

    public ServerConfig withUpstream(@Nullable Path ca, @Nullable String proxy, boolean allowPrivate, List<String> cidrs) {
        return new ServerConfig(dataDir, apiHost, apiPort, proxyHost, proxyPort, masterPassword, ca, proxy, allowPrivate, cidrs, resetAdminToken, auditRotation, proxyConnections, apiLimits, metricsHost, metricsPort);
    }

    public ServerConfig withApiLimits(ListenerLimits limits) {
        return new ServerConfig(dataDir, apiHost, apiPort, proxyHost, proxyPort, masterPassword, upstreamCa, upstreamProxy, allowPrivateUpstreams, allowCidrs, resetAdminToken, auditRotation, proxyConnections, limits, metricsHost, metricsPort);
    }

    /** With the separate Prometheus listener on {@code host:port} ({@code --metrics-addr}). */
    public ServerConfig withMetrics(String host, int port) {
        return new ServerConfig(dataDir, apiHost, apiPort, proxyHost, proxyPort, masterPassword, upstreamCa, upstreamProxy, allowPrivateUpstreams, allowCidrs, resetAdminToken, auditRotation, proxyConnections, apiLimits, host, port);
    }
}
