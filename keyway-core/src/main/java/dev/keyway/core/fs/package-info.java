/**
 * Owner-only files and directories: the one place that knows how Keyway creates a file only its user
 * may read (tokens, keys, the database, the audit log, per-run AWS files).
 */
@NullMarked
package dev.keyway.core.fs;

import org.jspecify.annotations.NullMarked;
