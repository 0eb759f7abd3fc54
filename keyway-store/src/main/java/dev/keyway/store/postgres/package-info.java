/**
 * The PostgreSQL store for running Keyway as a cluster: {@link dev.keyway.store.postgres.PostgresStore}
 * (pooled, migrations under an advisory lock, a {@code NOTIFY} per change) and
 * {@link dev.keyway.store.postgres.PostgresUrl} (the {@code postgresql://} URL operators give).
 */
@NullMarked
package dev.keyway.store.postgres;

import org.jspecify.annotations.NullMarked;
