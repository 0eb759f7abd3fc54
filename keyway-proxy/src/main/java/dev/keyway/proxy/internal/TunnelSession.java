package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.ProxyProblem;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * State of one established CONNECT tunnel (blind or intercepted), shared by the handlers of the
 * client connection and, for HTTP/2, of its streams. Confined to the client channel's event loop.
 */
final class TunnelSession {
    final Target target;
    final String mode;
    final Channel clientChannel;
    final long startNanos = System.nanoTime();
    final String requestId;

    /** The TLS SNI the client sent (null when none). */
    @Nullable String sni;
    /** Set when the SNI names a different host than the CONNECT line: every request gets 403. */
    boolean sniMismatch;
    /** The client negotiated h2 with us. */
    boolean clientH2;
    /** Shared HTTP/2 upstream connection for an h2 client (one per tunnel). */
    @Nullable Future<UpstreamConnector.UpstreamConn> h2Upstream;
    /** The upstream answered ALPN with http/1.1: h2 clients' streams use pooled HTTP/1.1 connections. */
    boolean upstreamH1Only;
    long bytesIn;
    long bytesOut;
    int requests;
    /**
     * Set for a denied CONNECT delivered in the tunnel: the first request is answered with it,
     * nothing is forwarded, and the connection closes.
     */
    @Nullable ProxyProblem denial;
    /** Why Keyway closed the tunnel (problem slug, e.g. {@code proxy-auth-invalid}), audited on close. */
    @Nullable String closeError;

    TunnelSession(Target target, String mode, Channel clientChannel, String requestId) {
        this.target = target;
        this.mode = mode;
        this.clientChannel = clientChannel;
        this.requestId = requestId;
    }
}
