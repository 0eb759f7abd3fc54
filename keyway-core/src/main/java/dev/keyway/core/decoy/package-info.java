/**
 * Decoy credentials: planted values that look like real keys, are handed to agents like
 * placeholders and are bound to no service, so any request carrying one is a tripwire (a prompt
 * injection or a leak trying the key somewhere). Shapes and matching are pure functions here; the
 * server acts on a hit.
 */
@NullMarked
package dev.keyway.core.decoy;

import org.jspecify.annotations.NullMarked;
