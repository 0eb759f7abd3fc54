package dev.keyway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What every slot of one {@link LoadGen} run shares: the options, the connection template, the TLS
 * context, the measurement window (in {@link System#nanoTime()} units) and the stop flag.
 */
final class LoadRun {
    private final LoadGenOptions options;
    private final Bootstrap bootstrap;
    private final SslContext ssl;
    private final SocketAddress destination;
    private final InetSocketAddress proxyAddress;
    private final String hostHeader;
    private final long measureStart;
    private final long measureEnd;
    private volatile boolean stopped;

    LoadRun(LoadGenOptions options, Bootstrap bootstrap, SslContext ssl, SocketAddress destination,
            InetSocketAddress proxyAddress, long measureStart, long measureEnd) {
        this.options = options;
        this.bootstrap = bootstrap;
        this.ssl = ssl;
        this.destination = destination;
        this.proxyAddress = proxyAddress;
        this.hostHeader = options.port() == 443 ? options.host() : options.host() + ":" + options.port();
        this.measureStart = measureStart;
        this.measureEnd = measureEnd;
    }

    LoadGenOptions options() {
        return options;
    }

    Bootstrap bootstrap() {
        return bootstrap;
    }

    SslContext ssl() {
        return ssl;
    }

    /** Where connections go: the resolved upstream, or the unresolved upstream name for the proxy to CONNECT to. */
    SocketAddress destination() {
        return destination;
    }

    InetSocketAddress proxyAddress() {
        return proxyAddress;
    }

    String hostHeader() {
        return hostHeader;
    }

    /** A request counts when it started after the warm-up and finished before the end. */
    boolean measured(long startNanos, long endNanos) {
        return startNanos - measureStart >= 0 && measureEnd - endNanos >= 0;
    }

    /** An event (error, SSE message) counts when it happened inside the window. */
    boolean measuredAt(long nanos) {
        return nanos - measureStart >= 0 && measureEnd - nanos >= 0;
    }

    boolean stopped() {
        return stopped;
    }

    void stop() {
        stopped = true;
    }
}
