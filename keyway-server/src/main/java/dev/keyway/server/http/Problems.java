package dev.keyway.server.http;

import dev.keyway.core.error.ErrorType;
import dev.keyway.core.error.KeywayException;
import dev.keyway.core.error.ProblemBody;
import dev.keyway.store.StoreException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every failure to an RFC 9457 {@code application/problem+json} response, exactly once. The
 * document ({@link ProblemBody}, the same as the proxy's) carries the stable {@code type} URI, the status, a human {@code detail} and the request
 * id. Unexpected exceptions are logged with their stack trace (server side only) and answered with
 * a generic 500 that never echoes the exception message, so nothing sensitive can leak.
 */
public final class Problems {
    private static final Logger log = LoggerFactory.getLogger(Problems.class);

    private Problems() {}

    public static ApiResponse of(ErrorType type, String detail, String requestId) {
        return of(type, detail, requestId, Map.of());
    }

    public static ApiResponse of(ErrorType type, String detail, String requestId, Map<String, Object> extras) {
        byte[] doc = Json.write(new ProblemBody(type, detail, extras, requestId).members());
        ApiResponse r = new ApiResponse(type.status(), ApiResponse.PROBLEM_JSON, doc, Map.of());
        if (type == ErrorType.UNAUTHORIZED) {
            r = r.withHeader("WWW-Authenticate", "Bearer realm=\"keyway\"");
        }
        return r.withHeader("Keyway-Error", type.slug());
    }

    public static ApiResponse from(Throwable t, String requestId) {
        if (t instanceof KeywayException k) {
            return of(k.type(), k.detail(), requestId, k.extras());
        }
        if (t instanceof StoreException) {
            log.error("request {}: storage failure", requestId, t);
            return of(ErrorType.STORE_UNAVAILABLE, "the database is unavailable; see the server log (request " + requestId + ")", requestId);
        }
        log.error("request {}: unexpected error", requestId, t);
        return of(ErrorType.INTERNAL, "internal error; see the server log (request " + requestId + ")", requestId);
    }
}
