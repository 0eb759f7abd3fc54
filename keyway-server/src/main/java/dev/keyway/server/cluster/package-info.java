/**
 * Running several Keyway nodes on one PostgreSQL database: the cluster options, the sync loop that
 * keeps each node's in-memory snapshot current (LISTEN/NOTIFY plus polling of the change log), the
 * fail-closed gate on the proxy while a node is out of sync, and {@code /ready}.
 */
@NullMarked
package dev.keyway.server.cluster;

import org.jspecify.annotations.NullMarked;
