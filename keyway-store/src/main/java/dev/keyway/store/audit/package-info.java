/**
 * The audit trail: an append-only JSON-lines file written by one background thread with group
 * commit, so request paths never wait on disk unless they ask for durability.
 */
@NullMarked
package dev.keyway.store.audit;

import org.jspecify.annotations.NullMarked;
