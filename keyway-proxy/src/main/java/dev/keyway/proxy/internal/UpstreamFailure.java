package dev.keyway.proxy.internal;

import dev.keyway.core.error.ErrorType;
import dev.keyway.proxy.spi.ProxyProblem;

/**
 * Why an upstream could not be used, already translated into the problem the client will see.
 * Stackless: it is an expected outcome, not a bug.
 */
final class UpstreamFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient ProxyProblem problem;

    UpstreamFailure(ErrorType type, String detail) {
        super(type.slug() + ": " + detail, null, false, false);
        this.problem = new ProxyProblem(type, detail);
    }

    ProxyProblem problem() {
        return problem;
    }

    /** The problem for any failure: an {@code UpstreamFailure}'s own, else a generic one. */
    static ProxyProblem problemOf(Throwable t, String host, int port) {
        if (t instanceof UpstreamFailure f) {
            return f.problem();
        }
        return new ProxyProblem(ErrorType.UPSTREAM_PROTOCOL_ERROR, "the connection to " + host + ":" + port + " failed");
    }
}
