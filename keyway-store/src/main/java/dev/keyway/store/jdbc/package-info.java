/**
 * The {@link dev.keyway.store.Store} contract in portable SQL over plain JDBC. A database-specific
 * subclass of {@link dev.keyway.store.jdbc.JdbcStore} only supplies connections, locking and the
 * recognition of unique-key violations; the SQL (epoch-millisecond {@code BIGINT} timestamps,
 * {@code ON CONFLICT} upserts) runs on SQLite and PostgreSQL alike.
 */
@NullMarked
package dev.keyway.store.jdbc;

import org.jspecify.annotations.NullMarked;
