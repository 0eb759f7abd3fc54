/**
 * {@code keyway token keep}: keeps a long-running machine's periodic token alive and repairs the
 * token file when something else overwrote it. The decisions (is this our token, which tokens are
 * stale, what a rejection means) are pure functions in {@link dev.keyway.core.keep.KeepPolicy}, shared with the
 * Vault source's token-file upkeep;
 * {@link dev.keyway.cli.keep.Keeper} sequences the server calls and the file replacement.
 */
@NullMarked
package dev.keyway.cli.keep;

import org.jspecify.annotations.NullMarked;
