package dev.keyway.cli;

import dev.keyway.core.error.ErrorType;

/** The CLI's exit codes (documented in {@code keyway --help}); stable, scripts rely on them. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int USAGE = 1;
    public static final int UNREACHABLE = 2;
    public static final int PERMISSION = 3;
    public static final int NOT_FOUND = 4;
    public static final int CONFLICT = 5;
    /** Anything else (server error, I/O error). */
    public static final int FAILURE = 6;
    /** {@code keyway run --isolate}: this machine cannot create the network namespace; nothing was started. */
    public static final int ISOLATION_UNAVAILABLE = 7;

    public static final String HELP = """
            Exit codes:
              0  success
              1  usage error (bad flags or arguments)
              2  cannot reach the Keyway server
              3  permission denied (missing, invalid, expired or insufficient token)
              4  not found
              5  conflict or validation error
              6  other failure (server error, I/O error)
              7  keyway run --isolate: network isolation unavailable here""";

    private ExitCodes() {}

    public static int of(ErrorType t) {
        return switch (t) {
            case UNAUTHORIZED, FORBIDDEN, PROXY_AUTH_INVALID, PROXY_AUTH_REQUIRED -> PERMISSION;
            case NOT_FOUND -> NOT_FOUND;
            case CONFLICT, VALIDATION, BAD_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE -> CONFLICT;
            default -> FAILURE;
        };
    }
}
