package dev.keyway.server.api;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.server.TokenIndex;
import dev.keyway.server.http.ApiRequest;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Authenticates control-plane requests ({@code Authorization: Bearer <token>}) against the
 * in-memory token index. Admin tokens may do everything; vault-bound proxy tokens may use only the
 * agent-facing endpoints.
 */
public final class ApiAuth {
    private final Supplier<TokenIndex> tokens;
    private final Clock clock;

    public ApiAuth(Supplier<TokenIndex> tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    public Principal authenticate(ApiRequest req) {
        String h = req.header("authorization");
        if (h == null || h.isBlank()) {
            throw new KeywayException(ErrorType.UNAUTHORIZED,
                    "missing Authorization header; send 'Authorization: Bearer <token>' (the CLI reads the admin token from the data dir)");
        }
        String token = h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
        if (token == null) {
            throw new KeywayException(ErrorType.UNAUTHORIZED, "unsupported Authorization scheme; use 'Bearer <token>'");
        }
        return switch (tokens.get().verify(token, clock.instant())) {
            case TokenIndex.Result.Valid v -> new Principal(
                    v.token().id(), actorOf(v.token().type(), v.token().displayName()), v.token().type(), v.token().vaultId());
            case TokenIndex.Result.Invalid i -> throw new KeywayException(ErrorType.UNAUTHORIZED, i.reason().message);
        };
    }

    public Principal requireAdmin(ApiRequest req) {
        Principal p = authenticate(req);
        if (!p.isAdmin()) {
            throw new KeywayException(ErrorType.FORBIDDEN, "this endpoint requires the admin token; a " + p.type()
                    + " token may only use the proxy and agent endpoints");
        }
        return p;
    }

    static String actorOf(String type, String displayName) {
        return type.equals("admin") ? "local-admin" : type + ":" + displayName;
    }
}
