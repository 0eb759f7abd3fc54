/**
 * Implementation helpers shared by the store and audit packages. Internal: may change at any
 * time; not part of Keyway's API.
 */
@NullMarked
package dev.keyway.store.internal;

import org.jspecify.annotations.NullMarked;
