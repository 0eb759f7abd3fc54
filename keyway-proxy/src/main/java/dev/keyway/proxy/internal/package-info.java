/**
 * The proxy engine's Netty handlers and plumbing. Internal: everything here may change at any
 * time without notice; depend only on {@code dev.keyway.proxy} and {@code dev.keyway.proxy.spi}.
 *
 * <p>Threading rule: every handler runs on its channel's event loop, and each upstream connection
 * is created on the event loop of the client channel it serves, so per-connection state needs no
 * locks. Anything that may block (DNS, leaf minting, audit fsync) completes a future that hops
 * back onto the loop.
 */
@NullMarked
package dev.keyway.proxy.internal;

import org.jspecify.annotations.NullMarked;
