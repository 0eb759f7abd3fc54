package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.auth.Principal;

/**
 * Per-run narrowings (the AWS run scope, the GitHub App narrowing) bind only to a run's own token
 * (type {@code scoped}): bound to a long-lived agent token they would narrow every request of the
 * agent, for as long as the token lives.
 */
final class RunTokens {
    private RunTokens() {}

    /** 403 {@code forbidden} unless {@code p} is a run token; {@code what} names the narrowing ("a per-run AWS scope"). */
    static void require(Principal p, String what) {
        if (!p.type().equals("scoped")) {
            throw new KeywayException(ErrorType.FORBIDDEN, what + " binds to a run's own token (type scoped, as "
                    + "'keyway run' or 'keyway token create' mint); this is a " + p.type() + " token, whose every request it "
                    + "would narrow. Mint a scoped token for the run");
        }
    }
}
