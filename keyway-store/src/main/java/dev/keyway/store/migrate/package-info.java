/**
 * Keyway's own schema migrator, shared by every SQL {@link dev.keyway.store.Store}: numbered SQL
 * files per dialect on the classpath, SHA-256 checksums recorded in {@code schema_history}, one
 * transaction per step.
 */
@NullMarked
package dev.keyway.store.migrate;

import org.jspecify.annotations.NullMarked;
