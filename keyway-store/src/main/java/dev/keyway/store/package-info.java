/**
 * Persistence contract. {@link dev.keyway.store.Store} is implemented once per database
 * ({@code sqlite} now, PostgreSQL later) and verified by one contract test suite. The store holds
 * only ciphertext for secret values; encryption happens in {@code dev.keyway.core.crypto}.
 */
@NullMarked
package dev.keyway.store;

import org.jspecify.annotations.NullMarked;
