package dev.keyway.server.aws;

import org.jspecify.annotations.Nullable;

/**
 * A failed AWS call made by Keyway itself (STS, container or instance metadata), with what kind
 * of failure it was so the grant-time check can say what to fix. The message may quote AWS's own
 * error message (which names ARNs, never keys); it goes to the server log and to the operator who
 * creates a grant, never to an agent.
 *
 * @see Kind
 */
public final class AwsFailure extends RuntimeException {
    /** What went wrong, for choosing the advice. */
    public enum Kind {
        /** No host credentials could be found anywhere in the chain. */
        NO_HOST_CREDENTIALS,
        /** STS rejected the host credentials themselves (unknown key, bad signature, expired token). */
        HOST_CREDENTIALS_REJECTED,
        /** STS refused to let the caller assume the role (trust policy, external id, permissions). */
        ACCESS_DENIED,
        /** STS rejected a parameter (duration above the role's maximum, malformed session policy). */
        INVALID_REQUEST,
        /** STS or a metadata endpoint could not be reached or answered garbage. */
        UNREACHABLE
    }

    private final Kind kind;
    private final @Nullable String awsCode;

    public AwsFailure(Kind kind, @Nullable String awsCode, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.awsCode = awsCode;
    }

    public Kind kind() {
        return kind;
    }

    /** AWS's error code ({@code AccessDenied}, {@code ExpiredToken}, ...), or null. */
    public @Nullable String awsCode() {
        return awsCode;
    }
}
