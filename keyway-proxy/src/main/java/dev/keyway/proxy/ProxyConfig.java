package dev.keyway.proxy;

import dev.keyway.core.limit.ConnectionLimits;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Everything the proxy engine needs to know that is not a policy decision: where to listen, how
 * long to wait, how much to accept, whom to trust upstream. Immutable; build it with
 * {@link #defaults()} and the {@code with...} methods, or {@link #builder()}.
 *
 * @param bindHost interface to listen on (default {@code 127.0.0.1}: the proxy is for local agents)
 * @param port listening port (default {@code 9791}; {@code 0} picks an ephemeral port)
 * @param clientIdleTimeout close a plain client connection idle this long (default 120 s)
 * @param headerReadTimeout a client that started a request must finish its headers within this
 *     time, else 408 {@code request-timeout} (default 10 s)
 * @param upstreamConnectTimeout TCP connect timeout per upstream address (default 10 s)
 * @param upstreamResponseTimeout wait at most this long for the upstream's response head after the
 *     request was sent, else 504 {@code upstream-timeout} (default 60 s)
 * @param tunnelIdleTimeout close a CONNECT tunnel (blind or intercepted) idle this long (default 10 min)
 * @param maxInitialLineLength longest request line accepted (default 8 KiB, else 431)
 * @param maxHeaderSize total header bytes accepted (default 32 KiB, else 431)
 * @param maxHeaderCount number of header fields accepted (default 100, else 431)
 * @param maxBufferedBody a body to be rewritten whose Content-Length is at most this is buffered so
 *     the new Content-Length can be sent; larger or unsized bodies are re-chunked (default 8 MiB)
 * @param upstreamTrust trust for upstream TLS, or null for the JDK default trust store
 * @param upstreamProxy an HTTP proxy ({@code http://[user:pass@]host:port}) to reach upstreams
 *     through, or null to connect directly. Every upstream connection (intercepted, plain http,
 *     blind tunnel) becomes {@code CONNECT host:port} by name through it; the name is still resolved
 *     locally and vetted by the address policy first, and upstream TLS is still verified against the
 *     target's name. A refused CONNECT is answered 502 {@code upstream-unreachable} naming the proxy.
 * @param eventLoopThreads event loop threads ({@code 0} = Netty's default, 2 × cores)
 * @param resolver how upstream names are resolved (default {@link HostResolver#SYSTEM})
 * @param poolMaxIdlePerHost idle keep-alive HTTP/1.1 upstream connections kept per host and event
 *     loop (default 8)
 * @param poolIdleTimeout an idle pooled upstream connection is closed after this (default 60 s)
 * @param maxWebSocketRewriteFrame largest client WebSocket text frame that is rewritten when the
 *     policy asks for WebSocket substitution (default 1 MiB; larger frames close the socket)
 * @param principalRecheckInterval how often every open client connection (blind or intercepted
 *     tunnel, WebSocket, keep-alive plain-http connection) re-asks the policy whether its
 *     authenticated principal is still active; a revoked or expired token's connections are closed
 *     within about this time even when idle (default 2 s)
 * @param authFailures how failed proxy authentication is slowed down and audited (see {@link AuthFailures})
 * @param connectionLimits open client connections accepted in total and per client address; a
 *     connection over a limit is closed at once and counted (default 4096 in total, 1024 per address)
 * @param clock the time source of every decision that depends on a window (throttle refill, audit
 *     aggregation); the system UTC clock by default, a moved clock in tests
 */
public record ProxyConfig(
        String bindHost,
        int port,
        Duration clientIdleTimeout,
        Duration headerReadTimeout,
        Duration upstreamConnectTimeout,
        Duration upstreamResponseTimeout,
        Duration tunnelIdleTimeout,
        int maxInitialLineLength,
        int maxHeaderSize,
        int maxHeaderCount,
        int maxBufferedBody,
        @Nullable X509TrustManager upstreamTrust,
        @Nullable URI upstreamProxy,
        int eventLoopThreads,
        HostResolver resolver,
        int poolMaxIdlePerHost,
        Duration poolIdleTimeout,
        int maxWebSocketRewriteFrame,
        Duration principalRecheckInterval,
        AuthFailures authFailures,
        ConnectionLimits connectionLimits,
        Clock clock) {

    /** The default listening port. */
    public static final int DEFAULT_PORT = 9791;

    /**
     * Failed proxy authentication (a missing or wrong {@code Proxy-Authorization}) is cheap for a
     * client and not free for Keyway (a token hash, an audit record), so guessing is bounded three
     * ways: per client address, failures beyond a burst of {@code burst} (refilled one per
     * {@code refill}) are answered 429 {@code rate-limited} without asking the policy, exactly as the
     * API's login is; a connection is closed after {@code perConnection} failures; and the failures
     * of one address and error type are audited as one record per {@code auditWindow} plus one
     * summary record with their {@code count}.
     */
    public record AuthFailures(int burst, Duration refill, int perConnection, Duration auditWindow) {
        /** 10 failures, then one per 6 s per address; 3 per connection; one summary a minute. */
        public static final AuthFailures DEFAULTS = new AuthFailures(10, Duration.ofSeconds(6), 3, Duration.ofMinutes(1));

        public AuthFailures {
            atLeast("authFailures.burst", burst, 1);
            atLeast("authFailures.perConnection", perConnection, 1);
            positive("authFailures.refill", refill);
            positive("authFailures.auditWindow", auditWindow);
        }
    }

    public ProxyConfig {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(resolver, "resolver");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("invalid port: " + port);
        }
        positive("clientIdleTimeout", clientIdleTimeout);
        positive("headerReadTimeout", headerReadTimeout);
        positive("upstreamConnectTimeout", upstreamConnectTimeout);
        positive("upstreamResponseTimeout", upstreamResponseTimeout);
        positive("tunnelIdleTimeout", tunnelIdleTimeout);
        positive("poolIdleTimeout", poolIdleTimeout);
        positive("principalRecheckInterval", principalRecheckInterval);
        atLeast("maxInitialLineLength", maxInitialLineLength, 256);
        atLeast("maxHeaderSize", maxHeaderSize, 1024);
        atLeast("maxHeaderCount", maxHeaderCount, 8);
        atLeast("maxBufferedBody", maxBufferedBody, 0);
        atLeast("eventLoopThreads", eventLoopThreads, 0);
        atLeast("poolMaxIdlePerHost", poolMaxIdlePerHost, 0);
        atLeast("maxWebSocketRewriteFrame", maxWebSocketRewriteFrame, 1024);
        Objects.requireNonNull(authFailures, "authFailures");
        Objects.requireNonNull(connectionLimits, "connectionLimits");
        Objects.requireNonNull(clock, "clock");
        if (upstreamProxy != null
                && (!"http".equalsIgnoreCase(upstreamProxy.getScheme()) || upstreamProxy.getHost() == null)) {
            throw new IllegalArgumentException("invalid upstream proxy (need http://host:port): " + upstreamProxy);
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("invalid " + name + ": " + d);
        }
    }

    private static void atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException("invalid " + name + ": " + value + " (minimum " + min + ")");
        }
    }

    /** The documented defaults (127.0.0.1:9791, system DNS, JDK trust, direct upstream). */
    public static ProxyConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy listening on {@code host:port}. */
    public ProxyConfig withBind(String host, int newPort) {
        return toBuilder().bind(host, newPort).build();
    }

    /** A copy using this resolver. */
    public ProxyConfig withResolver(HostResolver newResolver) {
        return toBuilder().resolver(newResolver).build();
    }

    /** A copy trusting upstream certificates with this trust manager (null = JDK default). */
    public ProxyConfig withUpstreamTrust(@Nullable X509TrustManager trust) {
        return toBuilder().upstreamTrust(trust).build();
    }

    /** Mutable builder for {@link ProxyConfig}; starts from the defaults. */
    public static final class Builder {
        private String bindHost = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private Duration clientIdleTimeout = Duration.ofSeconds(120);
        private Duration headerReadTimeout = Duration.ofSeconds(10);
        private Duration upstreamConnectTimeout = Duration.ofSeconds(10);
        private Duration upstreamResponseTimeout = Duration.ofSeconds(60);
        private Duration tunnelIdleTimeout = Duration.ofMinutes(10);
        private int maxInitialLineLength = 8 * 1024;
        private int maxHeaderSize = 32 * 1024;
        private int maxHeaderCount = 100;
        private int maxBufferedBody = 8 * 1024 * 1024;
        private @Nullable X509TrustManager upstreamTrust;
        private @Nullable URI upstreamProxy;
        private int eventLoopThreads;
        private HostResolver resolver = HostResolver.SYSTEM;
        private int poolMaxIdlePerHost = 8;
        private Duration poolIdleTimeout = Duration.ofSeconds(60);
        private int maxWebSocketRewriteFrame = 1024 * 1024;
        private Duration principalRecheckInterval = Duration.ofSeconds(2);
        private AuthFailures authFailures = AuthFailures.DEFAULTS;
        private ConnectionLimits connectionLimits = ConnectionLimits.DEFAULTS;
        private Clock clock = Clock.systemUTC();

        Builder() {}

        Builder(ProxyConfig c) {
            bindHost = c.bindHost;
            port = c.port;
            clientIdleTimeout = c.clientIdleTimeout;
            headerReadTimeout = c.headerReadTimeout;
            upstreamConnectTimeout = c.upstreamConnectTimeout;
            upstreamResponseTimeout = c.upstreamResponseTimeout;
            tunnelIdleTimeout = c.tunnelIdleTimeout;
            maxInitialLineLength = c.maxInitialLineLength;
            maxHeaderSize = c.maxHeaderSize;
            maxHeaderCount = c.maxHeaderCount;
            maxBufferedBody = c.maxBufferedBody;
            upstreamTrust = c.upstreamTrust;
            upstreamProxy = c.upstreamProxy;
            eventLoopThreads = c.eventLoopThreads;
            resolver = c.resolver;
            poolMaxIdlePerHost = c.poolMaxIdlePerHost;
            poolIdleTimeout = c.poolIdleTimeout;
            maxWebSocketRewriteFrame = c.maxWebSocketRewriteFrame;
            principalRecheckInterval = c.principalRecheckInterval;
            authFailures = c.authFailures;
            connectionLimits = c.connectionLimits;
            clock = c.clock;
        }

        public Builder bind(String host, int newPort) {
            this.bindHost = host;
            this.port = newPort;
            return this;
        }

        public Builder clientIdleTimeout(Duration d) {
            this.clientIdleTimeout = d;
            return this;
        }

        public Builder headerReadTimeout(Duration d) {
            this.headerReadTimeout = d;
            return this;
        }

        public Builder upstreamConnectTimeout(Duration d) {
            this.upstreamConnectTimeout = d;
            return this;
        }

        public Builder upstreamResponseTimeout(Duration d) {
            this.upstreamResponseTimeout = d;
            return this;
        }

        public Builder tunnelIdleTimeout(Duration d) {
            this.tunnelIdleTimeout = d;
            return this;
        }

        public Builder maxInitialLineLength(int n) {
            this.maxInitialLineLength = n;
            return this;
        }

        public Builder maxHeaderSize(int n) {
            this.maxHeaderSize = n;
            return this;
        }

        public Builder maxHeaderCount(int n) {
            this.maxHeaderCount = n;
            return this;
        }

        public Builder maxBufferedBody(int n) {
            this.maxBufferedBody = n;
            return this;
        }

        public Builder upstreamTrust(@Nullable X509TrustManager trust) {
            this.upstreamTrust = trust;
            return this;
        }

        public Builder upstreamProxy(@Nullable URI proxy) {
            this.upstreamProxy = proxy;
            return this;
        }

        public Builder eventLoopThreads(int n) {
            this.eventLoopThreads = n;
            return this;
        }

        public Builder resolver(HostResolver r) {
            this.resolver = r;
            return this;
        }

        public Builder poolMaxIdlePerHost(int n) {
            this.poolMaxIdlePerHost = n;
            return this;
        }

        public Builder poolIdleTimeout(Duration d) {
            this.poolIdleTimeout = d;
            return this;
        }

        public Builder maxWebSocketRewriteFrame(int n) {
            this.maxWebSocketRewriteFrame = n;
            return this;
        }

        public Builder principalRecheckInterval(Duration d) {
            this.principalRecheckInterval = d;
            return this;
        }

        public Builder authFailures(AuthFailures a) {
            this.authFailures = a;
            return this;
        }

        public Builder connectionLimits(ConnectionLimits l) {
            this.connectionLimits = l;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        public ProxyConfig build() {
            return new ProxyConfig(bindHost, port, clientIdleTimeout, headerReadTimeout, upstreamConnectTimeout,
                    upstreamResponseTimeout, tunnelIdleTimeout, maxInitialLineLength, maxHeaderSize, maxHeaderCount,
                    maxBufferedBody, upstreamTrust, upstreamProxy, eventLoopThreads, resolver, poolMaxIdlePerHost,
                    poolIdleTimeout, maxWebSocketRewriteFrame, principalRecheckInterval, authFailures, connectionLimits,
                    clock);
        }
    }
}
