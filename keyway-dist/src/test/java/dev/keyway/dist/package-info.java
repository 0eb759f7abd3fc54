/**
 * End-to-end tests of the shipped {@code keyway.jar}: the real jar started as server and CLI
 * processes (failsafe, {@code *IT}), including stop/crash/restart and a final scan for secret values.
 */
@NullMarked
package dev.keyway.dist;

import org.jspecify.annotations.NullMarked;
