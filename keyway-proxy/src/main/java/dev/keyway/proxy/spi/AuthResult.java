package dev.keyway.proxy.spi;

import dev.keyway.core.error.ErrorType;
import org.jspecify.annotations.Nullable;

/** Outcome of proxy authentication. A rejection is answered with 407 and {@code Proxy-Authenticate}. */
public sealed interface AuthResult {
    record Authenticated(ProxyPrincipal principal) implements AuthResult {}

    /**
     * @param reason why, audited and shown in the 407's reason phrase
     * @param tokenId the id (never the value) of the presented token when it is known (expired,
     *     revoked, wrong vault), else null; audited
     */
    record Rejected(ProxyProblem problem, AuthFailure reason, @Nullable String tokenId) implements AuthResult {
        /** A rejection that does not say why: {@link AuthFailure#MISSING} for a missing header, else {@link AuthFailure#REJECTED}. */
        public Rejected(ProxyProblem problem) {
            this(problem, problem.type() == ErrorType.PROXY_AUTH_REQUIRED ? AuthFailure.MISSING : AuthFailure.REJECTED,
                    null);
        }
    }
}
