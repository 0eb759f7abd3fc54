/**
 * Credential sources (issue 10): the SPI an external secret store implements ({@link
 * dev.keyway.core.source.SecretSource}), its typed failures, and the pure fetch policy (freshness
 * windows, backoff) the server's cache applies. No I/O here: adapters live in keyway-server.
 */
@NullMarked
package dev.keyway.core.source;

import org.jspecify.annotations.NullMarked;
