/**
 * Keyway's egress proxy engine: a Netty forward proxy that agents reach through
 * {@code HTTPS_PROXY}. It authenticates each client, decides per CONNECT whether to intercept,
 * tunnel or deny, and for intercepted traffic evaluates every request (credential injection,
 * audit) before forwarding it upstream.
 *
 * <p>The public surface is deliberately small: {@link dev.keyway.proxy.ProxyServer},
 * {@link dev.keyway.proxy.ProxyConfig} and {@link dev.keyway.proxy.HostResolver}. Every decision is
 * delegated to the interfaces in {@code dev.keyway.proxy.spi}; Netty types never leak out.
 */
@NullMarked
package dev.keyway.proxy;

import org.jspecify.annotations.NullMarked;
