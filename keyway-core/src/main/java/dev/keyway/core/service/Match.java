package dev.keyway.core.service;

import java.util.Objects;

/**
 * The service {@link VaultMatcher} chose for a request, and its verdict. For a denial the service
 * is the best candidate on that host, so the proxy can tell the agent what IS allowed ({@link
 * #explain()}).
 */
public record Match(ServiceDefinition service, MatchOutcome outcome) {
    public Match {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(outcome, "outcome");
    }

    public boolean allowed() {
        return outcome == MatchOutcome.ALLOWED;
    }

    /**
     * A user-facing sentence for a denial (no secrets: service rules only), e.g. {@code service
     * 'github' allows only GET, POST}. For {@link MatchOutcome#ALLOWED} a short confirmation.
     */
    public String explain() {
        String s = "service '" + service.name() + "'";
        return switch (outcome) {
            case ALLOWED -> s + " allows this request";
            case DISABLED -> s + " for " + service.host() + " is disabled; ask an administrator to enable it";
            case METHOD_NOT_ALLOWED -> s + " allows only " + String.join(", ", service.methods())
                    + (service.paths().isEmpty() ? "" : " on paths " + String.join(", ", service.paths()));
            case PATH_NOT_ALLOWED -> s + " allows only paths " + String.join(", ", service.paths())
                    + (service.methods().isEmpty() ? "" : " with " + String.join(", ", service.methods()));
        };
    }
}
