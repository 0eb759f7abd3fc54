package dev.keyway.core.service;

import dev.keyway.core.error.ErrorType;
import org.jspecify.annotations.Nullable;

/** What the best-matching service says about a request. */
public enum MatchOutcome {
    /** The service allows the method and path: inject and forward. */
    ALLOWED(null),
    /** The path is allowed but the method is not. */
    METHOD_NOT_ALLOWED(ErrorType.SERVICE_RULE_DENIED),
    /** No path glob of the service matches. */
    PATH_NOT_ALLOWED(ErrorType.SERVICE_RULE_DENIED),
    /** The service is disabled. */
    DISABLED(ErrorType.SERVICE_DISABLED);

    private final @Nullable ErrorType errorType;

    MatchOutcome(@Nullable ErrorType errorType) {
        this.errorType = errorType;
    }

    /** The problem type to answer with, or null for {@link #ALLOWED}. */
    public @Nullable ErrorType errorType() {
        return errorType;
    }
}
