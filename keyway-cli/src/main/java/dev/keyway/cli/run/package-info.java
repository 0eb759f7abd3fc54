/**
 * {@code keyway run}: how a wrapped program's environment is built so its HTTP(S) traffic goes
 * through Keyway with the right trust settings in every common client stack. Decisions (which
 * variables to drop and set, {@code NO_PROXY}, {@code JAVA_TOOL_OPTIONS}, the run mode, skill-file
 * updates) are pure functions; writing trust files, the agent jar and skill files, and starting the
 * child are the side effects at the edges.
 */
@NullMarked
package dev.keyway.cli.run;

import org.jspecify.annotations.NullMarked;
