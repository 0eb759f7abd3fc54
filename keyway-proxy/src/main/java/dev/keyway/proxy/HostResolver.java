package dev.keyway.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns an upstream host name into addresses. The engine calls it off the event loop (on a virtual
 * thread), so implementations may block. It exists so deployments can plug in their own resolver
 * and tests can map names such as {@code api.test} to loopback without touching system DNS.
 *
 * <p>The result is vetted by the {@link dev.keyway.proxy.spi.UpstreamAddressPolicy} and then dialed
 * directly: the engine never resolves the name again for that connection. With an upstream proxy
 * ({@link ProxyConfig#upstreamProxy()}) the vetted name is sent to that proxy as
 * {@code CONNECT host:port}, and the upstream proxy resolves it for the actual connection.
 */
@FunctionalInterface
public interface HostResolver {

    /** System DNS via {@link InetAddress#getAllByName(String)} (honours the JDK's DNS cache). */
    HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    /**
     * @param host a DNS name (never an IP literal: those are not resolved)
     * @return the addresses, in preference order; never empty
     * @throws UnknownHostException when the name does not resolve (answered 502 {@code dns-failed})
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;
}
