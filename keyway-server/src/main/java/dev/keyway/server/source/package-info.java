/**
 * Credential sources (issue 10): the adapters that fetch linked credentials' values from external
 * secret stores ({@code env}, {@code file}, {@code exec}, {@code hashicorp-vault}), the source
 * configuration service, and {@link dev.keyway.server.source.LinkedValues}, the bounded in-memory
 * cache that applies the fetch policy (single-flight, refresh-ahead, backoff, max-stale) so the
 * proxy's event loops never wait on a store.
 */
@NullMarked
package dev.keyway.server.source;

import org.jspecify.annotations.NullMarked;
