/**
 * The {@code keyway} command as shipped: keyway-cli's client commands plus {@code server}, which
 * needs the server module. Assembled here, in the one module that depends on both, so keyway-cli
 * depends on keyway-core only and a client command never loads server classes.
 */
@NullMarked
package dev.keyway.dist;

import org.jspecify.annotations.NullMarked;
