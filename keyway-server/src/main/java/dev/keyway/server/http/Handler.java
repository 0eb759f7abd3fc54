package dev.keyway.server.http;

/**
 * A route's behaviour. May block (it runs on a virtual thread). Throw
 * {@link dev.keyway.core.error.KeywayException} for expected failures; anything else is a bug and
 * becomes a 500 with a request id (the stack trace goes to the server log only).
 */
@FunctionalInterface
public interface Handler {
    ApiResponse handle(ApiRequest request) throws Exception;
}
