package dev.keyway.core.aws;

/**
 * The fake AWS key an agent gets in sign mode. SDKs refuse to send a request without credentials,
 * so the agent signs with this well-known, worthless key; the proxy strips that signature and
 * re-signs with the assumed role's credentials. Anyone may know these values.
 */
public final class AwsPlaceholders {
    /** Shaped like a real access key id (20 characters, {@code AKIA} prefix) so SDKs accept it. */
    public static final String ACCESS_KEY_ID = "AKIAKEYWAYPLACEHOLD1";
    /** 40 characters, like a real secret access key. */
    public static final String SECRET_ACCESS_KEY = "keyway/placeholder/secret/not/a/real/key";

    private AwsPlaceholders() {}
}
