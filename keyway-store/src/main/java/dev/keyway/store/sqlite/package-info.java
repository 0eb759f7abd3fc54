/** The embedded default {@link dev.keyway.store.Store}: one SQLite file in WAL mode. */
@NullMarked
package dev.keyway.store.sqlite;

import org.jspecify.annotations.NullMarked;
