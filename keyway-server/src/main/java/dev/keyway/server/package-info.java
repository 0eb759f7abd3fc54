/**
 * The Keyway server: wires the store, the key ring, the CA, the control-plane API and the proxy
 * together, and owns the in-memory runtime snapshot that the proxy reads on every request.
 */
@NullMarked
package dev.keyway.server;

import org.jspecify.annotations.NullMarked;
