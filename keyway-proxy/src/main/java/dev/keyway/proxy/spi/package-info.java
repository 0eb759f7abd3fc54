/**
 * The seam between the Netty proxy engine and the rest of Keyway.
 *
 * <p>The proxy knows nothing about vaults, services, tokens or the database. For every decision it
 * asks a {@link dev.keyway.proxy.spi.ProxyPolicy}, which the server implements from immutable
 * in-memory snapshots, so the per-request path does no database I/O and no configuration parsing.
 * Types here are plain Java (no Netty), so policies can be tested without sockets.
 */
@NullMarked
package dev.keyway.proxy.spi;

import org.jspecify.annotations.NullMarked;
