/**
 * The in-memory state the proxy reads on every request: an immutable {@link
 * dev.keyway.server.runtime.Snapshot} of vaults, compiled service matchers, credential ciphertexts
 * and token hashes, rebuilt from the store after each change and swapped atomically. The proxy
 * policy ({@link dev.keyway.server.runtime.KeywayProxyPolicy}) adapts it to the proxy SPI.
 */
@NullMarked
package dev.keyway.server.runtime;

import org.jspecify.annotations.NullMarked;
