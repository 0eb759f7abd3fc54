package dev.keyway.proxy.spi;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Every decision the proxy engine needs, in the order it needs them: authenticate the client,
 * decide what to do with a CONNECT (before any TLS), then decide each request inside the tunnel
 * (or each absolute-form {@code http://} request).
 *
 * <p>Implementations must be fast and non-blocking: they are called on Netty event loops. They
 * read only immutable in-memory state (swapped atomically when configuration changes) and a
 * short-lived credential cache. Anything slow (decrypting a credential the first time) must be
 * done ahead of time or be cheap enough to run inline (AES-GCM of a few bytes is).
 */
public interface ProxyPolicy {

    /**
     * Checks the {@code Proxy-Authorization} header value (null when the client sent none).
     * Accepted forms: {@code Basic base64(token:vault)}, {@code Basic base64(token)},
     * {@code Bearer token}.
     */
    AuthResult authenticate(@Nullable String proxyAuthorization, InetSocketAddress client);

    /** Decides, from the CONNECT target alone, whether to intercept, tunnel blindly, or deny. */
    ConnectDecision onConnect(ProxyPrincipal principal, String host, int port);

    /**
     * Decides one request: which service matched, and the rewritten request head (credentials
     * injected, client copies of managed headers stripped). {@code head.host()}/{@code port()} are
     * the tunnel target fixed by CONNECT (or the absolute-form URL), never the client's Host header.
     */
    RequestDecision onRequest(ProxyPrincipal principal, RequestHead head);

    /**
     * Whether the principal is still valid (token not revoked or expired). The engine checks this
     * on every request inside a long-lived tunnel and, for every open connection (tunnels, idle
     * keep-alive connections, WebSockets), every {@code principalRecheckInterval} on that
     * connection's event loop; it closes the connection when this turns false (or throws).
     */
    boolean isActive(ProxyPrincipal principal);
}
