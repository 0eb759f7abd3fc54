/**
 * The {@code keyway} command line. Every command except {@code server} talks to a running server
 * over its HTTP API ({@link dev.keyway.cli.ApiClient}); failures map to documented exit codes in
 * one place ({@link dev.keyway.cli.ExitCodes}).
 */
@NullMarked
package dev.keyway.cli;

import org.jspecify.annotations.NullMarked;
