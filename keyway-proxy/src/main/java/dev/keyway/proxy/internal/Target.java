package dev.keyway.proxy.internal;

import dev.keyway.proxy.spi.ProxyPrincipal;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Where the requests on one client stream go and on whose behalf: fixed by CONNECT for a tunnel,
 * or by each absolute-form URL for plain http.
 */
record Target(String scheme, Authority authority, ProxyPrincipal principal, @Nullable InetSocketAddress client) {
    boolean tls() {
        return "https".equals(scheme);
    }

    int defaultPort() {
        return tls() ? 443 : 80;
    }

    String host() {
        return authority.host();
    }

    int port() {
        return authority.port();
    }
}
