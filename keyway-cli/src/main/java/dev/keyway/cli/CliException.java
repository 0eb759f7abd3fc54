package dev.keyway.cli;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** A failure to report to the user as one line on stderr, with an exit code. */
public final class CliException extends RuntimeException {
    private final int exitCode;
    /** The server's RFC 9457 problem document when the failure is an API answer (never holds a secret). */
    private final @Nullable JsonNode problem;

    public CliException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    CliException(int exitCode, String message, @Nullable JsonNode problem) {
        super(message, null, false, false);
        this.exitCode = exitCode;
        this.problem = problem;
    }

    /** The API's problem document behind this failure, or null when it did not come from the server (unreachable, usage). */
    public @Nullable JsonNode problem() {
        return problem;
    }

    public int exitCode() {
        return exitCode;
    }
}
