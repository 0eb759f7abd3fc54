/**
 * The token keeper's drift guard as pure functions, shared by {@code keyway token keep} (Keyway's
 * own periodic tokens) and the {@code hashicorp-vault} source's token-file upkeep (Vault tokens):
 * is the token in a file the one the keeper should hold, which tokens a heal leaves stale, what a
 * refusal means. The callers sequence the I/O (look up, mint with the foreign token's authority,
 * sanity-check, replace the file atomically, sweep); the decisions are made here once.
 */
@NullMarked
package dev.keyway.core.keep;

import org.jspecify.annotations.NullMarked;
