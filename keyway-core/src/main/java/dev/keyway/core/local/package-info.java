/**
 * This machine's side of Keyway, shared by the server and the CLI: the data directory's layout,
 * the {@code server.json} record a running server leaves for clients, and owner-only atomic file
 * writes for secrets. In core so the CLI can find a server and keep its files without depending on
 * the server module.
 */
@NullMarked
package dev.keyway.core.local;

import org.jspecify.annotations.NullMarked;
